// Live status of a short-notice request: polls the API (no reload) and redraws chairs and invitees.
(function () {
  "use strict";
  const root = document.getElementById("gig-request");
  if (!root) return;
  const id = root.dataset.requestId;
  const url = `/api/gig-requests/${id}/`;
  const LABELS = {
    queued: "Waiting their turn", sent: "Offer sent", delayed: "Delayed: not reached yet, still trying",
    delivered: "Delivered", seen: "Seen",
    accepted: "Accepted", declined: "Declined", timed_out: "Timed out", withdrawn: "Not asked",
    filled: "Told it was filled", cancelled: "Told it was cancelled",
  };
  const CSS = { accepted: "status-ok", declined: "status-bad", timed_out: "status-bad", seen: "status-warn",
    delivered: "status-warn", sent: "status-warn", delayed: "status-bad" };
  const MODES = { call_list: "asking one at a time", broadcast: "asking everyone at once", closed: "closed" };
  let data = JSON.parse(document.getElementById("gigrequest-initial").textContent);
  let previous = {};
  let fetchedAt = Date.now();

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function timeText(iso) {
    if (!iso) return "";
    try {
      return new Intl.DateTimeFormat("en-GB", {
        weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: data.time_zone,
      }).format(new Date(iso));
    } catch (e) {
      return iso;
    }
  }

  function leftText(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const left = Math.max(0, seconds - Math.round((Date.now() - fetchedAt) / 1000));
    return left >= 120 ? `${Math.ceil(left / 60)} min left` : `${left} s left`;
  }

  function render() {
    document.querySelectorAll("[data-time]").forEach((node) => { node.textContent = timeText(node.dataset.time); });
    const status = document.getElementById("request-status");
    status.textContent = data.status.charAt(0).toUpperCase() + data.status.slice(1);
    status.dataset.status = data.status;
    status.className = `status ${data.status === "filled" ? "status-ok" : data.status === "open" ? "status-warn" : "status-bad"}`;
    document.getElementById("request-mode").textContent = MODES[data.mode] || data.mode;
    const c = data.counts;
    document.getElementById("request-counts").textContent =
      `${data.filled_count} of ${data.chair_count} filled · ${c.sent + c.delayed + c.delivered + c.seen} waiting for an answer · ` +
      (c.delayed ? `${c.delayed} not reached yet (we keep trying) · ` : "") +
      `${c.declined} declined · ${c.timed_out} timed out · ${c.queued} still to ask`;

    const chairs = document.getElementById("chairs");
    chairs.replaceChildren(...data.chairs.map((chair) => el(
      "li", { class: `card ${chair.filled ? "status-ok" : ""}`, "data-chair": String(chair.id) },
      `${chair.instrument.name} ${chair.number}: ${chair.filled ? `filled by ${chair.filled_by}` : "open"}`,
    )));

    const box = document.getElementById("invitees");
    const byInstrument = new Map();
    for (const inv of data.invitations) {
      if (!byInstrument.has(inv.instrument.slug)) byInstrument.set(inv.instrument.slug, { name: inv.instrument.name, rows: [] });
      byInstrument.get(inv.instrument.slug).rows.push(inv);
    }
    const sections = [];
    for (const [slug, group] of byInstrument) {
      const section = el("section", { "data-instrument": slug });
      section.append(el("h3", {}, group.name));
      const list = el("ol", { class: "cards" });
      for (const inv of group.rows) {
        const item = el("li", { class: "card", "data-invitation": String(inv.id) });
        const head = el("p", {});
        const link = inv.musician.profile_url ? el("a", { href: inv.musician.profile_url }, inv.musician.name) : el("span", {}, inv.musician.name);
        head.append(el("span", {}, `${inv.position}. `), link);
        const state = el("span", { class: `status state ${CSS[inv.state] || ""}`, "data-state": inv.state }, LABELS[inv.state] || inv.state);
        head.append(document.createTextNode(" – "), state);
        item.append(head);
        const details = [];
        if (inv.seconds_left !== null) details.push(`answer by ${timeText(inv.deadline)} (${leftText(inv.seconds_left)})`);
        else if (inv.answered_at) details.push(`answered ${timeText(inv.answered_at)}`);
        if (inv.note) details.push(`“${inv.note}”`);
        details.push(`${inv.offered_rate} ${data.currency}`);
        if (inv.ranking && inv.ranking.reasons.length) details.push(inv.ranking.reasons.join(", "));
        item.append(el("p", { class: "help" }, details.join(" · ")));
        list.append(item);
      }
      section.append(list);
      sections.push(section);
    }
    if (!sections.length) sections.push(el("p", {}, "Nobody matched this request."));
    box.replaceChildren(...sections);

    document.getElementById("cancel-form").hidden = !data.can_cancel;
    document.getElementById("widen-form").hidden = !data.can_widen;
    const widened = document.getElementById("widened");
    widened.hidden = !data.widened_into;
    if (data.widened_into) {
      const link = document.getElementById("widened-link");
      link.href = `/gig-requests/${data.widened_into}/`;
      link.textContent = `request #${data.widened_into}`;
    }
  }

  function announce() {
    const live = document.getElementById("live");
    const changes = [];
    for (const inv of data.invitations) {
      if (previous[inv.id] && previous[inv.id] !== inv.state) changes.push(`${inv.musician.name}: ${LABELS[inv.state] || inv.state}`);
      previous[inv.id] = inv.state;
    }
    if (changes.length) live.textContent = changes.join(". ");
  }

  async function poll() {
    try {
      const result = await window.GigBook.request("GET", url);
      if (result.ok) {
        data = result.data;
        fetchedAt = Date.now();
        announce();
        render();
      }
    } catch (e) {
      // Offline for a moment (a phone in a tunnel): keep the last state, try again.
    }
    const delay = data.status === "open" ? 3000 : 15000;
    window.setTimeout(poll, document.hidden ? delay * 3 : delay);
  }

  for (const inv of data.invitations) previous[inv.id] = inv.state;
  render();
  window.setTimeout(poll, 3000);

  function showError(result) {
    const box = document.getElementById("action-error");
    const errors = (result.data && result.data.errors) || {};
    const extra = Object.values(errors).flat(Infinity).map(String);
    box.textContent = [(result.data && result.data.detail) || "Something went wrong.", ...extra].join(" ");
    box.hidden = false;
  }

  document.getElementById("cancel-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!window.confirm("Stop asking players for this request?")) return;
    const reason = document.getElementById("cancel-reason").value;
    const result = await window.GigBook.request("POST", `${url}cancel/`, { reason });
    if (!result.ok) { showError(result); return; }
    data = result.data;
    fetchedAt = Date.now();
    render();
  });

  document.getElementById("widen-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { answer_by: document.getElementById("widen-answer-by").value, strategy: document.getElementById("widen-strategy").value };
    const maxRate = document.getElementById("widen-max-rate").value.trim();
    if (maxRate) body.max_rate = maxRate;
    const result = await window.GigBook.request("POST", `${url}widen/`, body);
    if (!result.ok) { showError(result); return; }
    window.location.assign(result.data.url);
  });
})();
