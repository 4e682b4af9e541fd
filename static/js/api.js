// Tiny helper for pages that talk to the JSON API with the session cookie and CSRF token.
(function () {
  "use strict";
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  async function request(method, url, body) {
    const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body instanceof FormData) {
      options.body = body;
      options.headers["X-CSRFToken"] = csrfToken();
    } else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken();
    const response = await fetch(url, options);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    return { ok: response.ok, status: response.status, data };
  }
  // Show every API field error next to its field, all at once. Nested errors (a list of rows, e.g.
  // chairs) find their input by data-error-for="chairs.0.count"; a list field's own messages by
  // data-error-for="chairs" or its name. Returns {count, unplaced}: how many messages there are, and
  // those with no field on the page (the caller shows them in its summary).
  function showErrors(form, data) {
    form.querySelectorAll(".error[data-api-error]").forEach((el) => el.remove());
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const unplaced = [];
    let count = 0;
    function target(key) {
      const found = form.querySelector(`[data-error-for="${CSS.escape(key)}"]`) ||
        form.querySelector(`[name="${CSS.escape(key)}"]`);
      if (found && found.type === "radio") return found.closest("fieldset") || found;
      if (found && found.type === "hidden" && !found.dataset.errorFor) return null; // e.g. the musician's id
      return found && !found.closest("[hidden]") ? found : null;
    }
    function attach(key, messages) {
      count += messages.length;
      const input = key ? target(key) : null;
      if (!input) { unplaced.push(...messages); return; }
      const id = `${(input.id || key).replace(/[^A-Za-z0-9-]/g, "-")}-api-error`;
      let p = document.getElementById(id);
      if (!p) {
        p = document.createElement("p");
        p.className = "error";
        p.dataset.apiError = "1";
        p.id = id;
        if (input.tagName === "FIELDSET") input.append(p);
        else (input.closest(".field") || input.parentElement).append(p);
      }
      p.textContent = [p.textContent, ...messages].filter(Boolean).join(" ");
      if (input.tagName !== "FIELDSET") {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", id);
      }
    }
    function walk(key, value) {
      if (typeof value === "string") { attach(key, [value]); return; }
      if (Array.isArray(value)) {
        const texts = value.filter((item) => typeof item === "string");
        if (texts.length) attach(key, texts);
        value.forEach((item, index) => { if (item && typeof item === "object") walk(`${key}.${index}`, item); });
        return;
      }
      if (value && typeof value === "object") {
        for (const [sub, inner] of Object.entries(value)) walk(key ? `${key}.${sub}` : sub, inner);
      }
    }
    const errors = (data && data.errors) || {};
    for (const [field, messages] of Object.entries(errors)) {
      walk(field === "non_field_errors" ? "" : field, messages);
    }
    if (!Object.keys(errors).length && data && data.detail) unplaced.push(data.detail);
    return { count, unplaced };
  }
  // "London time (GMT)": a zone as people say it, with the abbreviation in force on that day.
  function zoneLabel(zone, when) {
    if (!zone) return "the venue's local time";
    if (zone === "UTC") return "UTC";
    const place = zone.split("/").pop().replace(/_/g, " ");
    try {
      const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "short" })
        .formatToParts(when && !isNaN(when) ? when : new Date());
      const name = (parts.find((p) => p.type === "timeZoneName") || {}).value;
      return name ? `${place} time (${name})` : `${place} time`;
    } catch (e) {
      return `${place} time`;
    }
  }
  window.GigBook = { request, showErrors, csrfToken, zoneLabel };
})();
