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
  // Show API field errors next to inputs named like the fields; returns the general message.
  function showErrors(form, data) {
    form.querySelectorAll(".error[data-api-error]").forEach((el) => el.remove());
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const errors = (data && data.errors) || {};
    for (const [field, messages] of Object.entries(errors)) {
      const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
      const text = Array.isArray(messages) ? messages.flat(Infinity).join(" ") : JSON.stringify(messages);
      if (input) {
        const p = document.createElement("p");
        p.className = "error";
        p.dataset.apiError = "1";
        p.id = `${input.id || field}_api_error`;
        p.textContent = text;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", p.id);
        input.insertAdjacentElement("afterend", p);
      }
    }
    return (data && data.detail) || "Something went wrong.";
  }
  window.GigBook = { request, showErrors, csrfToken };
})();
