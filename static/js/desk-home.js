// Producer's desk: keep the short-notice counts live (filled chairs, players asked) without a reload,
// from the same list API the request pages use. Without this script the page shows the counts at load.
(function () {
  "use strict";
  const rows = document.querySelectorAll("#desk-requests [data-request]");
  if (!rows.length || !window.GigBook) return;
  const EVERY_MS = 15000;

  function set(row, name, value) {
    const node = row.querySelector(`[data-n="${name}"]`);
    if (node && value !== undefined && String(value) !== node.textContent) node.textContent = value;
  }

  async function refresh() {
    if (document.hidden) return;
    const result = await window.GigBook.request("GET", "/api/gig-requests/?page_size=50");
    if (!result.ok || !result.data) return;
    const byId = new Map(result.data.results.map((r) => [String(r.id), r]));
    rows.forEach((row) => {
      const data = byId.get(row.dataset.request);
      if (!data) return;
      set(row, "filled", data.filled_count);
      set(row, "chairs", data.chair_count);
      set(row, "invited", data.invited_count);
      const filled = row.querySelector('[data-field="filled"]');
      const full = data.filled_count === data.chair_count;
      filled.classList.toggle("status-ok", full);
      filled.classList.toggle("status-warn", !full);
    });
  }

  setInterval(refresh, EVERY_MS);
})();
