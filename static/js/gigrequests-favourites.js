// First-call lists: search the directory, add, reorder and remove players through the API.
(function () {
  "use strict";
  const errorBox = document.getElementById("favourite-error");
  function fail(result) {
    const errors = (result.data && result.data.errors) || {};
    errorBox.textContent = [(result.data && result.data.detail) || "Something went wrong.",
      ...Object.values(errors).flat(Infinity).map(String)].join(" ");
    errorBox.hidden = false;
  }
  document.getElementById("favourite-lists").addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    let result;
    if (button.dataset.move) {
      result = await window.GigBook.request("POST", `/api/favourites/${button.dataset.move}/move/`,
        { position: parseInt(button.dataset.position, 10) });
    } else if (button.dataset.remove) {
      result = await window.GigBook.request("DELETE", `/api/favourites/${button.dataset.remove}/`);
    } else {
      return;
    }
    if (result.ok) window.location.reload(); else fail(result);
  });

  const form = document.getElementById("favourite-search");
  const results = document.getElementById("favourite-results");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const instrument = form.elements.instrument.value;
    const params = new URLSearchParams({ instrument, q: form.elements.q.value.trim(), page_size: "20" });
    const result = await window.GigBook.request("GET", `/api/musicians/?${params}`);
    if (!result.ok) { fail(result); return; }
    const items = (result.data.results || []).map((card) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/musicians/${card.id}/`;
      link.textContent = card.display_name;
      const add = document.createElement("button");
      add.type = "button";
      add.className = "secondary small button";
      add.textContent = "Add to first call";
      add.addEventListener("click", async () => {
        const added = await window.GigBook.request("POST", "/api/favourites/", { musician_profile: card.id, instrument });
        if (added.ok) window.location.reload(); else fail(added);
      });
      li.append(link, document.createTextNode(` ${card.city || ""} `), add);
      return li;
    });
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = "No approved players match.";
      items.push(li);
    }
    results.replaceChildren(...items);
  });
})();
