// The musician's profile editor: each section form PATCHes only its own fields to
// /api/me/profile/ and shows its save state ("Unsaved changes", "Saving…", "Saved") and the
// API's field messages next to the fields. Availability talks to /api/me/unavailability/.
(function () {
  "use strict";
  const api = window.GigBook;
  const PROFILE_URL = "/api/me/profile/";
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

  function fill() {
    $all("form[data-section] [name][data-kind]").forEach((input) => setField(input, profile[input.name]));
    LIST_SECTIONS.forEach((name) => {
      $(`[data-list="${name}"]`).replaceChildren();
      (profile[name] || []).forEach((row) => addRow(name, row));
    });
    const preview = $("[data-photo-preview]");
    preview.hidden = !profile.photo_url;
    if (profile.photo_url) preview.src = profile.photo_url;
    renderStatus();
  }

  function renderStatus() {
    $("[data-status-text]").textContent = STATUS_TEXT[profile.status] || profile.status;
    $("[data-status-help]").textContent = STATUS_HELP[profile.status] || "";
    const reason = $("[data-reason]");
    const text = profile.status === "rejected" ? profile.rejection_reason : profile.status === "suspended" ? profile.suspension_reason : "";
    reason.hidden = !text;
    reason.textContent = text ? `Reason: ${text}` : "";
    const problems = Object.entries(profile.publish_problems || {});
    const box = $("[data-problems]");
    box.hidden = problems.length === 0 || !["draft", "rejected"].includes(profile.status);
    $("[data-problem-list]").replaceChildren(...problems.map(([field, messages]) => {
      const li = document.createElement("li");
      li.textContent = messages.join(" ");
      li.dataset.field = field;
      return li;
    }));
    $("[data-submit-profile]").hidden = !["draft", "rejected"].includes(profile.status);
  }

  // --- Collecting a section -----------------------------------------------------------------
  function readValue(input) {
    const kind = input.dataset.kind || "text";
    if (kind === "bool") return input.checked;
    if (kind === "multi") return Array.from(input.selectedOptions).map((o) => o.value);
    if (kind === "decimal" || kind === "float") return input.value.trim() === "" ? null : input.value.trim();
    if (kind === "int") return input.value.trim() === "" ? null : input.value.trim();
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
        // Rows added but left blank are dropped (from the page too, so error positions match).
        const blank = !Object.entries(item).some(([k, v]) => k !== "is_primary" && k !== "skill_level" && v !== "" && v !== null);
        if (blank) row.remove(); else items.push(item);
      });
      payload[list.dataset.list] = items;
    });
    if (payload.genres) payload.genres = payload.genres.map((g) => ({ genre: g.genre }));
    return payload;
  }

  // --- Errors next to fields ----------------------------------------------------------------
  function clearErrors(form) {
    $all(".error[data-api-error]", form).forEach((el) => el.remove());
    $all("[aria-invalid]", form).forEach((el) => { el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby"); });
  }

  function attachError(input, messages, key) {
    const p = document.createElement("p");
    p.className = "error";
    p.dataset.apiError = "1";
    p.id = `err-${key}`.replace(/[^A-Za-z0-9_-]/g, "-");
    p.textContent = [].concat(messages).flat(Infinity).join(" ");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", p.id);
    (input.closest(".field") || input.parentElement).appendChild(p);
    return input;
  }

  function showErrors(form, errors) {
    clearErrors(form);
    let first = null;
    for (const [field, messages] of Object.entries(errors || {})) {
      const list = $(`[data-list="${field}"]`, form);
      if (list && Array.isArray(messages) && messages.some((m) => m && typeof m === "object")) {
        const rows = $all("[data-row]", list);
        messages.forEach((rowErrors, index) => {
          for (const [name, rowMessages] of Object.entries(rowErrors || {})) {
            const input = rows[index] && $(`[data-name="${name}"]`, rows[index]);
            if (input) {
              const marked = attachError(input, rowMessages, `${field}-${index}-${name}`);
              first = first || marked;
            }
          }
        });
      } else {
        const input = $(`[name="${CSS.escape(field)}"]`, form) || list;
        if (input) {
          const marked = attachError(input, messages, field);
          first = first || marked;
        } else {
          const anchor = $(".mus-save", form);
          const p = document.createElement("p");
          p.className = "error";
          p.dataset.apiError = "1";
          p.textContent = [].concat(messages).flat(Infinity).join(" ");
          anchor.before(p);
        }
      }
    }
    if (first) first.focus();
  }

  // --- Save state ---------------------------------------------------------------------------
  function setState(form, text, cls) {
    const el = $("[data-state]", form);
    el.textContent = text;
    el.className = `mus-state ${cls || ""}`;
    form.dataset.dirty = cls === "is-dirty" ? "1" : "";
  }

  function timeNow() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  async function saveSection(form) {
    const payload = collect(form);
    setState(form, "Saving…", "is-saving");
    const previous = profile.status;
    let result;
    try {
      result = await api.request("PATCH", PROFILE_URL, payload);
    } catch (e) {
      setState(form, "Not saved: no connection. Try again.", "is-error");
      return;
    }
    if (result.ok) {
      profile = result.data;
      clearErrors(form);
      LIST_SECTIONS.forEach((name) => {
        if (name in payload) {
          $(`[data-list="${name}"]`).replaceChildren();
          profile[name].forEach((row) => addRow(name, row));
        }
      });
      renderStatus();
      const note = previous === "approved" && profile.status === "pending" ? " Sent for review: your profile is hidden until approved." : "";
      setState(form, `Saved at ${timeNow()}.${note}`, "is-saved");
    } else if (result.status === 400) {
      showErrors(form, result.data && result.data.errors);
      setState(form, "Not saved: fix the fields marked in red.", "is-error");
    } else {
      setState(form, `Not saved: ${(result.data && result.data.detail) || "something went wrong"}.`, "is-error");
    }
  }

  $all("form[data-section]").forEach((form) => {
    setState(form, "All changes saved.", "is-saved");
    form.addEventListener("input", () => setState(form, "Unsaved changes.", "is-dirty"));
    form.addEventListener("change", () => setState(form, "Unsaved changes.", "is-dirty"));
    form.addEventListener("submit", (event) => { event.preventDefault(); saveSection(form); });
    form.addEventListener("click", (event) => {
      const add = event.target.closest("[data-add]");
      const remove = event.target.closest("[data-remove]");
      const move = event.target.closest("[data-move]");
      if (add) {
        const row = addRow(add.dataset.add, {});
        const firstInput = $("select, input", row);
        if (firstInput) firstInput.focus();
        setState(form, "Unsaved changes.", "is-dirty");
      } else if (remove) {
        const row = remove.closest("[data-row]");
        const next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        (next ? $("select, input", next) : $("[data-add]", form)).focus();
        setState(form, "Unsaved changes.", "is-dirty");
      } else if (move) {
        const row = move.closest("[data-row]");
        const sibling = move.dataset.move === "-1" ? row.previousElementSibling : row.nextElementSibling;
        if (sibling) {
          if (move.dataset.move === "-1") sibling.before(row); else sibling.after(row);
          move.focus();
          setState(form, "Unsaved changes.", "is-dirty");
        }
      }
    });
  });

  window.addEventListener("beforeunload", (event) => {
    if ($all("form[data-section]").some((form) => form.dataset.dirty === "1")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- Submit for review --------------------------------------------------------------------
  $("[data-submit-profile]").addEventListener("click", async () => {
    const state = $("[data-submit-state]");
    state.textContent = "Submitting…";
    const result = await api.request("POST", `${PROFILE_URL}submit/`);
    if (result.ok) {
      profile = result.data;
      renderStatus();
      state.textContent = "Submitted. We'll let you know when it is live.";
    } else if (result.status === 400) {
      profile.publish_problems = (result.data && result.data.errors) || {};
      renderStatus();
      state.textContent = "Not submitted yet: complete the items listed above.";
    } else {
      state.textContent = (result.data && result.data.detail) || "Could not submit.";
    }
  });

  // --- Photo --------------------------------------------------------------------------------
  const photoState = $("[data-photo-state]");
  $("[data-photo-upload]").addEventListener("click", async () => {
    const input = $("#photo");
    if (!input.files.length) { photoState.textContent = "Choose a picture first."; input.focus(); return; }
    if (input.files[0].size > 5 * 1024 * 1024) { photoState.textContent = "That picture is larger than 5 MB."; return; }
    const data = new FormData();
    data.append("photo", input.files[0]);
    photoState.textContent = "Uploading…";
    const result = await api.request("POST", `${PROFILE_URL}photo/`, data);
    if (result.ok) {
      profile = result.data;
      fill();
      input.value = "";
      photoState.textContent = profile.status === "pending" ? "Photo saved and sent for review." : "Photo saved.";
    } else {
      const errors = (result.data && result.data.errors) || {};
      photoState.textContent = (errors.photo || [result.data && result.data.detail || "Upload failed."]).join(" ");
    }
  });
  $("[data-photo-remove]").addEventListener("click", async () => {
    const result = await api.request("DELETE", `${PROFILE_URL}photo/`);
    if (result.ok) { profile = result.data; fill(); photoState.textContent = "Photo removed."; }
  });

  // --- Location -----------------------------------------------------------------------------
  const city = $("#city");
  city.addEventListener("change", () => {
    const option = $all("#city-options option").find((o) => o.value === city.value);
    if (option) {
      const [lat, lng] = option.dataset.point.split(",");
      $("#latitude").value = lat;
      $("#longitude").value = lng;
    }
  });
  $("[data-locate]").addEventListener("click", () => {
    const state = $("[data-locate-state]");
    if (!navigator.geolocation) { state.textContent = "Your browser cannot share its location."; return; }
    state.textContent = "Finding you…";
    navigator.geolocation.getCurrentPosition((position) => {
      // Two decimals (~1 km) is all the search needs and keeps your home address private.
      $("#latitude").value = position.coords.latitude.toFixed(2);
      $("#longitude").value = position.coords.longitude.toFixed(2);
      setState($("#s-location"), "Unsaved changes.", "is-dirty");
      state.textContent = "Position filled in. Save to keep it.";
    }, () => { state.textContent = "Could not get your location; pick your city from the list instead."; });
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
      button.className = "linklike";
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
