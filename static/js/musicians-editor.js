// The musician's profile editor. Every section saves itself on change: it PATCHes only its own
// fields to /api/me/profile/ and shows its own state ("Saving…", "Saved", "Not saved"). A save
// that fails for want of a connection (or a server hiccup) is retried with growing pauses and
// again when the browser comes back online; a page with unsaved changes warns before leaving.
// "Submit for review" first saves what is pending, then lists what is still missing as links
// to the fields. Availability talks to /api/me/unavailability/.
(function () {
  "use strict";
  const api = window.GigBook;
  const PROFILE_URL = "/api/me/profile/";
  const RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000];
  const STATUS_HELP = {
    draft: "Your profile is not public yet. Fill it in and submit it for review.",
    pending: "An admin is reviewing your profile. You can keep editing meanwhile.",
    approved: "Your profile is live: producers can find and book you.",
    rejected: "Your profile needs changes before it can go live. See the reason below, edit, and submit again.",
    suspended: "Your profile is hidden from producers. See the reason below.",
  };
  const STATUS_TEXT = { draft: "Draft", pending: "Waiting for review", approved: "Live", rejected: "Needs changes", suspended: "Suspended" };
  const LIST_SECTIONS = ["instruments", "genres", "media", "credits"];
  let profile = JSON.parse(document.getElementById("profile-data").textContent);
  let blocks = JSON.parse(document.getElementById("blocks-data").textContent);
  let rowCounter = 0;
  // Towns the page knows: the short list in the page, plus those the places API suggested while typing.
  const cityOptions = Array.from(document.querySelectorAll("#city-options option")).map((o) => ({
    label: o.value, name: o.value.split(",")[0].trim().toLowerCase(), point: o.dataset.point,
  }));

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.from((root || document).querySelectorAll(selector)); }

  // --- Filling the forms --------------------------------------------------------------------
  function setField(input, value) {
    const kind = input.dataset.kind;
    if (kind === "bool") input.checked = !!value;
    else if (kind === "multi") Array.from(input.options).forEach((o) => { o.selected = (value || []).includes(o.value); });
    else input.value = value === null || value === undefined ? "" : value;
  }

  function addRow(listName, values) {
    const list = $(`[data-list="${listName}"]`);
    const row = $(`template[data-template="${listName}"]`).content.firstElementChild.cloneNode(true);
    list.appendChild(row);
    // Unique ids so each label names its own field ("Instrument", not "Instrument Choose…").
    rowCounter += 1;
    $all("[data-name]", row).forEach((input) => {
      input.id = `${listName}-${rowCounter}-${input.dataset.name}`;
      const label = $(`label[data-for="${input.dataset.name}"]`, row);
      if (label) label.htmlFor = input.id;
    });
    values = values || {};
    $all("[data-name]", row).forEach((input) => {
      const name = input.dataset.name;
      if (input.type === "radio") input.checked = !!values[name];
      else if (values[name] !== undefined && values[name] !== null) input.value = values[name];
    });
    return row;
  }

  function fillList(name) {
    $(`[data-list="${name}"]`).replaceChildren();
    (profile[name] || []).forEach((row) => addRow(name, row));
    // An empty profile starts with one blank instrument and genre row: one tap fewer each.
    if (["instruments", "genres"].includes(name) && !(profile[name] || []).length) addRow(name, {});
  }

  function fill() {
    $all("form[data-section] [name][data-kind]").forEach((input) => setField(input, profile[input.name]));
    LIST_SECTIONS.forEach(fillList);
    renderPhoto();
    renderStatus();
  }

  function renderPhoto() {
    const preview = $("[data-photo-preview]");
    preview.hidden = !profile.photo_url;
    if (profile.photo_url) preview.src = profile.photo_url;
    $("[data-photo-remove]").hidden = !profile.photo_url;
  }

  function renderStatus() {
    $("[data-status-text]").textContent = STATUS_TEXT[profile.status] || profile.status;
    $("[data-status-help]").textContent = STATUS_HELP[profile.status] || "";
    const reason = $("[data-reason]");
    const text = (profile.status === "rejected" || profile.changes_state === "rejected") ? profile.rejection_reason
      : profile.status === "suspended" ? profile.suspension_reason : "";
    reason.hidden = !text;
    reason.textContent = text ? `Reason: ${text}` : "";
    const waiting = profile.waiting_changes || [];
    $("[data-waiting]").hidden = waiting.length === 0;
    $("[data-waiting-rejected]").hidden = profile.changes_state !== "rejected";
    $("[data-waiting-list]").replaceChildren(...waiting.map((change) => {
      const li = document.createElement("li");
      const strong = document.createElement("strong");
      strong.textContent = `${change.label}: `;
      li.append(strong, `“${change.before}” → “${change.after}”`);
      return li;
    }));
    const canSubmit = ["draft", "rejected"].includes(profile.status) || profile.changes_state === "rejected";
    renderMissing(canSubmit ? (profile.completeness || []).filter((step) => step.required && !step.done) : []);
    $("[data-submit-profile]").hidden = !canSubmit;
  }

  function renderMissing(steps) {
    $("[data-problems]").hidden = steps.length === 0;
    $("[data-problem-list]").replaceChildren(...steps.map((step) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `#field-${step.field}`;
      a.textContent = step.todo;
      a.addEventListener("click", (event) => {
        const target = document.getElementById(`field-${step.field}`);
        if (!target) return;
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        const input = target.matches("input, select, textarea") ? target : $("input, select, textarea", target);
        (input || target).focus();
      });
      li.appendChild(a);
      return li;
    }));
  }

  // --- Collecting a section -----------------------------------------------------------------
  function readValue(input) {
    const kind = input.dataset.kind || "text";
    if (kind === "bool") return input.checked;
    if (kind === "multi") return Array.from(input.selectedOptions).map((o) => o.value);
    if (kind === "decimal" || kind === "float" || kind === "int") return input.value.trim() === "" ? null : input.value.trim();
    return input.value;
  }

  function collect(form) {
    const payload = {};
    $all("[name][data-kind]", form).forEach((input) => { payload[input.name] = readValue(input); });
    $all("[data-list]", form).forEach((list) => {
      const items = [];
      $all("[data-row]", list).forEach((row) => {
        const item = {};
        $all("[data-name]", row).forEach((input) => {
          item[input.dataset.name] = input.type === "radio" ? input.checked : readValue(input);
        });
        // Rows still blank are not sent (they stay on the page to be filled in).
        const blank = !Object.entries(item).some(([k, v]) => k !== "is_primary" && k !== "skill_level" && v !== "" && v !== null);
        if (!blank) items.push(item);
      });
      payload[list.dataset.list] = items;
    });
    if (payload.genres) payload.genres = payload.genres.map((g) => ({ genre: g.genre }));
    return payload;
  }

  // --- Errors next to fields ----------------------------------------------------------------
  function clearErrors(form) {
    $all(".error[data-api-error]", form).forEach((el) => el.remove());
    $all("[aria-invalid]", form).forEach((el) => {
      el.removeAttribute("aria-invalid");
      if (el.dataset.describedby) el.setAttribute("aria-describedby", el.dataset.describedby);
      else el.removeAttribute("aria-describedby");
    });
  }

  function attachError(input, messages, key) {
    const p = document.createElement("p");
    p.className = "error";
    p.dataset.apiError = "1";
    p.id = `err-${key}`.replace(/[^A-Za-z0-9_-]/g, "-");
    p.textContent = [].concat(messages).flat(Infinity).join(" ");
    input.setAttribute("aria-invalid", "true");
    if (input.dataset.describedby === undefined) input.dataset.describedby = input.getAttribute("aria-describedby") || "";
    input.setAttribute("aria-describedby", `${input.dataset.describedby} ${p.id}`.trim());
    (input.closest(".field") || input.parentElement).appendChild(p);
    return input;
  }

  function nonBlankRows(list) {
    return $all("[data-row]", list).filter((row) => $all("[data-name]", row).some((input) =>
      input.type !== "radio" && input.dataset.name !== "skill_level" && input.value.trim() !== ""));
  }

  function showErrors(form, errors) {
    clearErrors(form);
    for (const [field, messages] of Object.entries(errors || {})) {
      const list = $(`[data-list="${field}"]`, form);
      if (list && Array.isArray(messages) && messages.some((m) => m && typeof m === "object")) {
        const rows = nonBlankRows(list);
        messages.forEach((rowErrors, index) => {
          for (const [name, rowMessages] of Object.entries(rowErrors || {})) {
            const input = rows[index] && $(`[data-name="${name}"]`, rows[index]);
            if (input) attachError(input, rowMessages, `${field}-${index}-${name}`);
          }
        });
      } else {
        const input = $(`[name="${CSS.escape(field)}"]`, form) || list;
        if (input) attachError(input, messages, field);
        else {
          const p = document.createElement("p");
          p.className = "error";
          p.dataset.apiError = "1";
          p.textContent = [].concat(messages).flat(Infinity).join(" ");
          $(".mus-save", form).before(p);
        }
      }
    }
  }

  // --- Saving as you go ---------------------------------------------------------------------
  // Each section form has one save "lane": a change while a save is running is saved right after.
  const lanes = new Map();

  function lane(form) {
    if (!lanes.has(form)) lanes.set(form, { dirty: false, running: null, attempt: 0, timer: null, failed: false });
    return lanes.get(form);
  }

  function setState(form, text, cls) {
    const el = $("[data-state]", form);
    el.textContent = text;
    el.className = `mus-state ${cls || ""}`;
    const retry = $("[data-retry]", form);
    if (retry) retry.hidden = cls !== "is-error";
  }

  function timeNow() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function markDirty(form) {
    const state = lane(form);
    state.dirty = true;
    setState(form, "Unsaved changes…", "is-dirty");
  }

  function scheduleSave(form, delay) {
    const state = lane(form);
    clearTimeout(state.timer);
    state.timer = setTimeout(() => { state.timer = null; saveSection(form); }, delay);
  }

  async function saveSection(form) {
    const state = lane(form);
    clearTimeout(state.timer);
    state.timer = null;
    if (state.running) { await state.running; if (!state.dirty) return true; }
    if (!state.dirty) return !state.failed;
    state.running = doSave(form).finally(() => { state.running = null; });
    return state.running;
  }

  async function doSave(form) {
    const state = lane(form);
    state.dirty = false;
    const payload = collect(form);
    setState(form, "Saving…", "is-saving");
    let result;
    try {
      result = await api.request("PATCH", PROFILE_URL, payload);
    } catch (e) {
      result = { ok: false, status: 0, data: null };
    }
    if (result.ok) {
      state.attempt = 0;
      state.failed = false;
      profile = result.data;
      clearErrors(form);
      if (form.id === "s-location" && profile.latitude !== null && profile.city) {
        // The server placed a town the page did not know yet.
        city.value = profile.city;
        cityState.textContent = "";
        cityState.className = "mus-city-state";
      }
      renderPhoto();
      renderStatus();
      if (!state.dirty) {
        const note = profile.changes_state === "pending" && $(".mus-review", form) ? " Reviewed fields wait for an admin; your live profile is unchanged until then." : "";
        setState(form, `Saved at ${timeNow()}.${note}`, "is-saved");
      }
      return true;
    }
    if (result.status === 400) {
      state.failed = true;
      showErrors(form, result.data && result.data.errors);
      setState(form, "Not saved: fix the field marked in red.", "is-error");
      return false;
    }
    if (result.status === 0 || result.status >= 500 || result.status === 429) {
      // No connection or a passing server problem: keep the change and try again by itself.
      state.dirty = true;
      state.failed = true;
      const delay = RETRY_DELAYS[Math.min(state.attempt, RETRY_DELAYS.length - 1)];
      state.attempt += 1;
      setState(form, `Not saved yet: no connection. Trying again in ${Math.round(delay / 1000)} s…`, "is-error");
      scheduleSave(form, delay);
      return false;
    }
    state.failed = true;
    setState(form, `Not saved: ${(result.data && result.data.detail) || "something went wrong"}.`, "is-error");
    return false;
  }

  function unsaved() {
    return $all("form[data-section]").some((form) => {
      const state = lane(form);
      return state.dirty || state.running || state.failed;
    });
  }

  $all("form[data-section]").forEach((form) => {
    setState(form, "", "");
    // Typing saves after a pause; choosing, ticking and leaving a field save at once.
    form.addEventListener("input", (event) => {
      markDirty(form);
      if (event.target.matches("input[type=text], input:not([type]), input[type=url], textarea, input[type=number]")) scheduleSave(form, 1500);
    });
    form.addEventListener("change", () => { markDirty(form); scheduleSave(form, 0); });
    form.addEventListener("submit", (event) => { event.preventDefault(); markDirty(form); saveSection(form); });
    const retry = $("[data-retry]", form);
    if (retry) retry.addEventListener("click", () => { lane(form).attempt = 0; markDirty(form); saveSection(form); });
    form.addEventListener("click", (event) => {
      const add = event.target.closest("[data-add]");
      const remove = event.target.closest("[data-remove]");
      const move = event.target.closest("[data-move]");
      if (add) {
        const row = addRow(add.dataset.add, {});
        const firstInput = $("select, input", row);
        if (firstInput) firstInput.focus();
      } else if (remove) {
        const row = remove.closest("[data-row]");
        const next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        (next ? $("select, input", next) : $("[data-add]", form)).focus();
        markDirty(form);
        scheduleSave(form, 0);
      } else if (move) {
        const row = move.closest("[data-row]");
        const sibling = move.dataset.move === "-1" ? row.previousElementSibling : row.nextElementSibling;
        if (sibling) {
          if (move.dataset.move === "-1") sibling.before(row); else sibling.after(row);
          move.focus();
          markDirty(form);
          scheduleSave(form, 0);
        }
      }
    });
  });

  window.addEventListener("online", () => {
    $all("form[data-section]").forEach((form) => { if (lane(form).dirty) { lane(form).attempt = 0; saveSection(form); } });
  });
  window.addEventListener("beforeunload", (event) => {
    if (unsaved()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- Submit for review --------------------------------------------------------------------
  $("[data-submit-profile]").addEventListener("click", async () => {
    const state = $("[data-submit-state]");
    state.textContent = "Saving your changes…";
    const forms = $all("form[data-section]");
    forms.forEach((form) => { if (lane(form).timer) lane(form).dirty = true; });
    const saved = await Promise.all(forms.map((form) => saveSection(form)));
    if (saved.includes(false)) {
      state.textContent = "Not submitted: some changes are not saved yet (see the sections marked “Not saved”).";
      return;
    }
    state.textContent = "Submitting…";
    let result;
    try {
      result = await api.request("POST", `${PROFILE_URL}submit/`);
    } catch (e) {
      state.textContent = "Not submitted: no connection. Try again in a moment.";
      return;
    }
    if (result.ok) {
      profile = result.data;
      renderStatus();
      state.textContent = profile.changes_state === "pending" ? "Sent again for review. Your approved profile stays live meanwhile."
        : "Submitted. We'll let you know when it is live.";
    } else if (result.status === 400) {
      const errors = (result.data && result.data.errors) || {};
      const byField = new Map((profile.completeness || []).map((step) => [step.field, step]));
      renderMissing(Object.entries(errors).map(([field, messages]) => ({
        field, todo: [].concat(messages).join(" "), label: (byField.get(field) || {}).label || field,
      })));
      state.textContent = "Not submitted yet: complete the items listed above.";
      $("#h-missing").focus();
    } else {
      state.textContent = (result.data && result.data.detail) || "Could not submit.";
    }
  });

  // --- Photo: uploads as soon as it is chosen -----------------------------------------------
  const photoState = $("[data-photo-state]");
  $("#photo").addEventListener("change", async () => {
    const input = $("#photo");
    if (!input.files.length) return;
    if (input.files[0].size > 5 * 1024 * 1024) { photoState.textContent = "That picture is larger than 5 MB. Choose a smaller one."; return; }
    const data = new FormData();
    data.append("photo", input.files[0]);
    photoState.textContent = "Uploading…";
    let result;
    try {
      result = await api.request("POST", `${PROFILE_URL}photo/`, data);
    } catch (e) {
      photoState.textContent = "Not uploaded: no connection. Choose the photo again when you are back online.";
      return;
    }
    if (result.ok) {
      profile = result.data;
      renderPhoto();
      renderStatus();
      input.value = "";
      photoState.textContent = profile.changes_state === "pending" && (profile.waiting_changes || []).some((c) => c.field === "photo")
        ? "Photo saved; it goes live once an admin approves it." : "Photo saved.";
    } else {
      const errors = (result.data && result.data.errors) || {};
      photoState.textContent = (errors.photo || [result.data && result.data.detail || "Upload failed."]).join(" ");
    }
  });
  $("[data-photo-remove]").addEventListener("click", async () => {
    const result = await api.request("DELETE", `${PROFILE_URL}photo/`);
    if (result.ok) { profile = result.data; renderPhoto(); renderStatus(); photoState.textContent = "Photo removed."; $("#photo").focus(); }
  });

  // --- Location -----------------------------------------------------------------------------
  const city = $("#city");
  const cityState = $("[data-city-state]");
  function matchCity(text) {
    const typed = text.trim().toLowerCase();
    if (!typed) return null;
    const exact = cityOptions.find((c) => c.label.toLowerCase() === typed);
    if (exact) return exact;
    const byName = cityOptions.filter((c) => c.name === typed);
    return byName.length === 1 ? byName[0] : null;
  }
  // Any town (every UK and Irish place of 500 people, bigger ones worldwide) is suggested while typing,
  // from the places API; the short list in the page answers before it replies.
  let cityAsked = 0;
  let cityTimer = null;
  async function suggestTowns() {
    const typed = city.value.trim();
    const mine = ++cityAsked;
    if (typed.length < 2) return;
    let answer;
    try {
      answer = await api.request("GET", `/api/places/?q=${encodeURIComponent(typed)}`);
    } catch (e) {
      return; // offline: the short list still works, and the server places a typed town on save
    }
    if (mine !== cityAsked || !answer.ok) return;
    const towns = answer.data.results.filter((place) => place.kind === "town");
    for (const town of towns) {
      if (!cityOptions.some((c) => c.label === town.name)) {
        cityOptions.push({ label: town.name, name: town.name.split(",")[0].trim().toLowerCase(),
                           point: `${town.latitude},${town.longitude}` });
      }
    }
    $("#city-options").replaceChildren(...towns.map((town) => {
      const option = document.createElement("option");
      option.value = town.name;
      option.dataset.point = `${town.latitude},${town.longitude}`;
      return option;
    }));
  }
  city.addEventListener("input", () => {
    clearTimeout(cityTimer);
    cityTimer = setTimeout(suggestTowns, 250);
  });
  // Runs before the section's own change handler (capture), so the save sends the position too.
  $("#s-location").addEventListener("change", (event) => {
    if (event.target !== city) return;
    const match = matchCity(city.value);
    if (match) {
      const [lat, lng] = match.point.split(",");
      city.value = match.label;
      $("#latitude").value = lat;
      $("#longitude").value = lng;
      cityState.textContent = "";
      cityState.className = "mus-city-state";
    } else {
      $("#latitude").value = "";
      $("#longitude").value = "";
      cityState.textContent = city.value.trim() ? `We don't know “${city.value.trim()}”. Pick your city from the suggestions, or use your current location.` : "";
      cityState.className = "mus-city-state error";
    }
  }, true);
  $("[data-locate]").addEventListener("click", () => {
    const state = $("[data-locate-state]");
    if (!navigator.geolocation) { state.textContent = "Your browser cannot share its location."; return; }
    state.textContent = "Finding you…";
    navigator.geolocation.getCurrentPosition((position) => {
      // Two decimals (~1 km) is all the search needs and keeps your home address private.
      $("#latitude").value = position.coords.latitude.toFixed(2);
      $("#longitude").value = position.coords.longitude.toFixed(2);
      cityState.textContent = "";
      markDirty($("#s-location"));
      saveSection($("#s-location"));
      state.textContent = "Position filled in.";
    }, () => { state.textContent = "Could not get your location; pick your city from the suggestions instead."; });
  });

  // --- Availability -------------------------------------------------------------------------
  const blockForm = $("#block-form");
  function renderBlocks() {
    const list = $("[data-blocks]");
    list.replaceChildren(...blocks.map((block) => {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = block.summary + (block.note ? ` — ${block.note}` : "");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "Delete";
      button.setAttribute("aria-label", `Delete: ${block.summary}`);
      button.addEventListener("click", async () => {
        const result = await api.request("DELETE", `/api/me/unavailability/${block.id}/`);
        if (result.ok || result.status === 404) {
          blocks = blocks.filter((b) => b.id !== block.id);
          renderBlocks();
          setState(blockForm, "Removed.", "is-saved");
        }
      });
      li.append(text, " ", button);
      return li;
    }));
    $("[data-no-blocks]").hidden = blocks.length > 0;
  }
  function toggleKind() {
    const kind = $("input[name=kind]:checked", blockForm).value;
    $all("[data-kind-fields]", blockForm).forEach((el) => { el.hidden = el.dataset.kindFields !== kind; });
  }
  $all("input[name=kind]", blockForm).forEach((radio) => radio.addEventListener("change", toggleKind));
  blockForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const kind = $("input[name=kind]:checked", blockForm).value;
    const payload = { kind, note: $("#b-note").value };
    const names = kind === "once" ? ["starts_at", "ends_at"] : ["weekday", "start_time", "end_time", "valid_from", "valid_until"];
    names.forEach((name) => {
      const value = $(`[name=${name}]`, blockForm).value;
      payload[name] = value === "" ? null : value;
    });
    setState(blockForm, "Saving…", "is-saving");
    const result = await api.request("POST", "/api/me/unavailability/", payload);
    if (result.ok) {
      clearErrors(blockForm);
      blocks.push(result.data);
      renderBlocks();
      blockForm.reset();
      toggleKind();
      setState(blockForm, `Added: ${result.data.summary}.`, "is-saved");
    } else if (result.status === 400) {
      showErrors(blockForm, result.data && result.data.errors);
      setState(blockForm, "Not added: fix the fields marked in red.", "is-error");
    } else {
      setState(blockForm, (result.data && result.data.detail) || "Not added.", "is-error");
    }
  });

  fill();
  renderBlocks();
  toggleKind();
  setState(blockForm, "", "");
})();
