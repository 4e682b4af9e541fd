// New short-notice request: fill the form, preview who will be asked and in which order, edit the
// lists (reorder, remove), then send. Everything goes through the JSON API.
(function () {
  "use strict";
  const form = document.getElementById("gig-request-form");
  if (!form) return;
  const options = JSON.parse(document.getElementById("gigrequest-options").textContent);
  const chairs = document.getElementById("chairs");
  const preview = document.getElementById("preview");
  const groupsBox = document.getElementById("preview-groups");
  const formError = document.getElementById("form-error");
  let lists = [];
  let payload = null;
  let idempotencyKey = "";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  let chairCounter = 0;
  function addChair(slug, count) {
    chairCounter += 1;
    const row = el("div", { class: "actions chair-row" });
    const instrumentId = `chair-instrument-${chairCounter}`;
    const countId = `chair-count-${chairCounter}`;
    const pick = el("div", { class: "field" });
    pick.append(el("label", { for: instrumentId }, "Instrument"));
    const select = el("select", { id: instrumentId, class: "chair-instrument" });
    for (const instrument of options.instruments) {
      const option = el("option", { value: instrument.slug }, instrument.name);
      if (instrument.slug === slug) option.selected = true;
      select.append(option);
    }
    pick.append(select);
    const howMany = el("div", { class: "field" });
    howMany.append(el("label", { for: countId }, "How many"));
    const input = el("input", { id: countId, class: "chair-count", type: "number", min: "1", max: "20", value: String(count || 1) });
    howMany.append(input);
    row.append(pick, howMany);
    if (chairs.children.length > 0) {
      const remove = el("button", { type: "button", class: "secondary" }, "Remove");
      remove.addEventListener("click", () => row.remove());
      row.append(remove);
    }
    chairs.append(row);
  }
  addChair(options.prefill_instrument || "bass-guitar", 1);
  document.getElementById("add-chair").addEventListener("click", () => addChair("", 1));

  const kind = document.getElementById("kind");
  function syncKind() {
    const remote = kind.value === "remote_recording";
    document.getElementById("venue-field").hidden = remote;
    document.getElementById("zone-field").hidden = !remote;
  }
  kind.addEventListener("change", syncKind);
  syncKind();

  function value(name) {
    const field = form.elements[name];
    return field ? field.value.trim() : "";
  }

  function collect() {
    const data = {
      chairs: Array.from(chairs.querySelectorAll(".chair-row")).map((row) => ({
        instrument: row.querySelector(".chair-instrument").value,
        count: parseInt(row.querySelector(".chair-count").value, 10) || 0,
      })),
      kind: value("kind"),
      starts_at: value("starts_at"),
      ends_at: value("ends_at"),
      fee_basis: value("fee_basis"),
      rate: value("rate"),
      currency: value("currency").toUpperCase(),
      strategy: (form.querySelector('input[name="strategy"]:checked') || {}).value,
      time_box_minutes: parseInt(value("time_box_minutes"), 10),
      broadcast_threshold_hours: value("broadcast_threshold_hours") || "12",
      title: value("title"),
      brief_style: value("brief_style"),
      brief_approach: value("brief_approach"),
      brief_notes: value("brief_notes"),
    };
    if (data.kind === "remote_recording") data.time_zone = value("time_zone");
    else data.venue = parseInt(value("venue"), 10) || null;
    if (value("answer_by")) data.answer_by = value("answer_by");
    if (value("max_rate")) data.max_rate = value("max_rate");
    if (value("max_invitees")) data.max_invitees = parseInt(value("max_invitees"), 10);
    return data;
  }

  function showError(data) {
    const message = window.GigBook.showErrors(form, data);
    const extra = [];
    for (const key of ["chairs", "invitees", "non_field_errors"]) {
      const errors = data && data.errors && data.errors[key];
      if (errors) extra.push(...(Array.isArray(errors) ? errors.flat(Infinity) : [JSON.stringify(errors)]).map(String));
    }
    formError.textContent = [message, ...extra].join(" ");
    formError.hidden = false;
    formError.focus();
  }

  function strategyText(data) {
    if (data.strategy === "broadcast") return "Everyone below is asked at once; the first to accept gets the chair.";
    const box = data.first_time_box_seconds;
    const boxText = box ? `${Math.round(box / 60)} minute${Math.round(box / 60) === 1 ? "" : "s"}` : "until the answer-by time";
    if (data.strategy === "tightening") {
      return `One at a time, in this order (${boxText} for the first, shorter as the gig nears); everyone left is asked at once ` +
        "when the gig is closer than your threshold.";
    }
    return `One at a time, in this order: each player has ${boxText}; a decline moves on at once.`;
  }

  function renderGroups() {
    groupsBox.replaceChildren();
    lists.forEach((group, groupIndex) => {
      const section = el("section", { class: "card", "data-instrument": group.instrument.slug });
      section.append(el("h3", {}, `${group.instrument.name} × ${group.count}`));
      section.append(el("p", { class: "muted" }, `${group.total_matching} match; ${group.candidates.length} on the list.`));
      if (group.candidates.length === 0) {
        section.append(el("p", { class: "error" }, "Nobody matches: try a higher maximum fee, or another time."));
      }
      const list = el("ol", { class: "stack candidate-list" });
      group.candidates.forEach((candidate, index) => {
        const item = el("li", { "data-profile": String(candidate.profile_id) });
        const name = el("a", { href: candidate.profile_url }, candidate.name);
        item.append(name, document.createTextNode(` – ${candidate.offered_rate} ${payload.currency}`));
        if (candidate.favourite_position) item.append(" ", el("span", { class: "pill" }, "First call"));
        item.append(el("p", { class: "help" }, candidate.reasons.join(" · ") || "New on GigBook"));
        const actions = el("div", { class: "actions" });
        const up = el("button", { type: "button", class: "secondary small button", "aria-label": `Move ${candidate.name} up` }, "↑");
        const down = el("button", { type: "button", class: "secondary small button", "aria-label": `Move ${candidate.name} down` }, "↓");
        const remove = el("button", { type: "button", class: "secondary small button", "aria-label": `Remove ${candidate.name}` }, "Remove");
        up.disabled = index === 0;
        down.disabled = index === group.candidates.length - 1;
        up.addEventListener("click", () => move(groupIndex, index, -1));
        down.addEventListener("click", () => move(groupIndex, index, 1));
        remove.addEventListener("click", () => { group.candidates.splice(index, 1); renderGroups(); });
        actions.append(up, down, remove);
        item.append(actions);
        list.append(item);
      });
      section.append(list);
      if (group.unavailable_favourites.length) {
        const missing = el("ul", { class: "muted" });
        for (const fav of group.unavailable_favourites) missing.append(el("li", {}, `${fav.name}: ${fav.reason}`));
        section.append(el("p", {}, "First-call players not on the list:"), missing);
      }
      groupsBox.append(section);
    });
  }

  function move(groupIndex, index, delta) {
    const items = lists[groupIndex].candidates;
    const target = index + delta;
    if (target < 0 || target >= items.length) return;
    [items[index], items[target]] = [items[target], items[index]];
    renderGroups();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.hidden = true;
    payload = collect();
    const button = document.getElementById("preview-button");
    button.disabled = true;
    try {
      const result = await window.GigBook.request("POST", "/api/gig-requests/preview/", payload);
      if (!result.ok) { showError(result.data); return; }
      lists = result.data.groups;
      idempotencyKey = `gr-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      document.getElementById("preview-summary").textContent = strategyText({ ...result.data, strategy: payload.strategy });
      renderGroups();
      preview.hidden = false;
      document.getElementById("preview-title").focus();
    } finally {
      button.disabled = false;
    }
  });

  document.getElementById("edit-request").addEventListener("click", () => {
    preview.hidden = true;
    form.querySelector("select, input").focus();
  });

  document.getElementById("send-request").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    const body = {
      ...payload,
      invitees: lists.map((group) => ({ instrument: group.instrument.slug, musicians: group.candidates.map((c) => c.profile_id) })),
    };
    const response = await fetch("/api/gig-requests/", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json", Accept: "application/json",
        "X-CSRFToken": window.GigBook.csrfToken(), "Idempotency-Key": idempotencyKey,
      },
      body: JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok && data) {
      window.location.assign(data.url);
      return;
    }
    button.disabled = false;
    preview.hidden = true;
    showError(data);
  });
})();
