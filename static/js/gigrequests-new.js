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
  // Row errors come back as chairs[i].count: label each row's inputs with its current index.
  function indexChairs() {
    chairs.querySelectorAll(".chair-row").forEach((row, index) => {
      row.querySelector(".chair-instrument").dataset.errorFor = `chairs.${index}.instrument`;
      row.querySelector(".chair-count").dataset.errorFor = `chairs.${index}.count`;
    });
  }
  addChair(options.prefill_instrument || "bass-guitar", 1);
  document.getElementById("add-chair").addEventListener("click", () => addChair("", 1));

  // Started from a player's profile: they head the list until the producer says otherwise.
  let askFirst = options.ask_first || null;
  const askFirstBox = document.getElementById("ask-first");
  if (askFirstBox) {
    document.getElementById("ask-first-remove").addEventListener("click", () => {
      askFirst = null;
      askFirstBox.remove();
      preview.hidden = true;
      form.querySelector(".chair-instrument").focus();
    });
  }

  const kind = document.getElementById("kind");
  function syncKind() {
    const remote = kind.value === "remote_recording";
    document.getElementById("venue-field").hidden = remote;
    document.getElementById("zone-field").hidden = !remote;
  }
  // "Times are London time (GMT)": the zone the pickers are read in, as of the chosen day.
  const zoneNote = document.getElementById("zone-note");
  function currentZone() {
    if (kind.value === "remote_recording") return form.elements.time_zone.value;
    const chosen = form.elements.venue ? Number(form.elements.venue.value) : 0;
    const venue = options.venues.find((v) => v.id === chosen);
    return venue ? venue.time_zone : zoneNote.dataset.userZone;
  }
  function syncZone() {
    const start = value("starts_at");
    const when = start ? new Date(`${start}:00Z`) : new Date();
    zoneNote.textContent = `Times are ${window.GigBook.zoneLabel(currentZone(), when)}.`;
  }
  // Over 12 hours is usually a slip of the picker: ask for an explicit yes.
  const confirmField = document.getElementById("confirm-long-field");
  function syncLong() {
    const start = Date.parse(`${value("starts_at")}:00Z`), end = Date.parse(`${value("ends_at")}:00Z`);
    const hours = (end - start) / 3600000;
    const long = Number.isFinite(hours) && hours > 12;
    confirmField.hidden = !long;
    if (!long) form.elements.confirm_long.checked = false;
    else document.getElementById("confirm-long-text").textContent =
      `Yes, this gig really runs ${Math.round(hours * 10) / 10} hours.`;
  }
  kind.addEventListener("change", () => { syncKind(); syncZone(); });
  form.addEventListener("change", () => { syncZone(); syncLong(); });
  syncKind();
  syncZone();

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
      currency: value("currency"),
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
    if (form.elements.confirm_long.checked) data.confirm_long = true;
    if (askFirst) data.ask_first = askFirst.profile_id;
    // Left empty: not sent, so the answer says "Fill this in." rather than "Enter an amount".
    for (const name of ["starts_at", "ends_at", "rate"]) if (data[name] === "") delete data[name];
    return data;
  }

  // Every problem at once: each next to its field, a count on top, and the ones with no field there.
  function showError(data) {
    indexChairs();
    const shown = window.GigBook.showErrors(form, data);
    formError.replaceChildren();
    const placed = shown.count - shown.unplaced.length;
    if (placed > 0) {
      formError.append(el("p", {}, placed === 1 ? "One thing needs changing: see the message below." :
        `${placed} things need changing: see the messages below.`));
    }
    if (shown.unplaced.length) {
      const list = el("ul");
      for (const text of shown.unplaced) list.append(el("li", {}, text));
      formError.append(list);
    }
    if (!formError.childNodes.length) formError.append(el("p", {}, "Something went wrong. Try again."));
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
        const name = group.instrument.name.toLowerCase();
        section.append(el("p", { class: "error" }, group.total_matching === 0
          ? `Nobody matches the ${name} chair, so this request cannot be sent yet.`
          : `Keep at least one player on the ${name} list.`));
        section.append(widenBox(group.widen || []));
      }
      const list = el("ol", { class: "stack candidate-list" });
      group.candidates.forEach((candidate, index) => {
        const item = el("li", { "data-profile": String(candidate.profile_id) });
        const name = el("a", { href: candidate.profile_url }, candidate.name);
        item.append(name, document.createTextNode(` – ${candidate.offered_rate} ${payload.currency}`));
        if (askFirst && candidate.profile_id === askFirst.profile_id) item.append(" ", el("span", { class: "pill" }, "Asked first"));
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
    syncSend();
  }

  // Ways to widen a chair nobody matches (from the preview): one tap changes the form and looks again.
  function widenBox(options) {
    const box = el("div", { class: "stack widen" });
    if (!options.length) {
      box.append(el("p", { class: "help" }, "Nobody plays this at that time in reach of the venue. Try another time or day."));
      return box;
    }
    box.append(el("p", {}, "To find players:"));
    const list = el("ul", { class: "stack" });
    for (const option of options) {
      const item = el("li", {}, option.text + " ");
      if (option.field && option.value !== null && form.elements[option.field]) {
        const apply = el("button", { type: "button", class: "secondary small button" }, "Do this");
        apply.addEventListener("click", () => {
          form.elements[option.field].value = option.value;
          if (option.field === "kind") { syncKind(); syncZone(); }
          preview.hidden = true;
          form.requestSubmit();
        });
        item.append(apply);
      }
      list.append(item);
    }
    box.append(list);
    return box;
  }

  function syncSend() {
    const sendable = lists.length > 0 && lists.every((group) => group.candidates.length > 0);
    const send = document.getElementById("send-request");
    send.disabled = !sendable;
    send.title = sendable ? "" : "Every chair needs at least one player to ask.";
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
      window.GigBook.showErrors(form, null); // clear the last answer's messages
      lists = result.data.groups;
      idempotencyKey = `gr-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      document.getElementById("preview-summary").textContent = strategyText({ ...result.data, strategy: payload.strategy });
      // The chosen player is never silently missing: say why they cannot be asked.
      const problem = document.getElementById("ask-first-problem");
      const chosen = result.data.ask_first;
      problem.hidden = !chosen || chosen.placed;
      problem.textContent = chosen && !chosen.placed ? `${chosen.name || "The player you chose"} cannot be asked: ${chosen.reason}` : "";
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
    preview.hidden = true;
    showError(data);
    button.disabled = false;
  });
})();
