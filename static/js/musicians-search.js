// Search page: after a search, move focus to the result count so keyboard and screen-reader
// users land on the answer instead of the top of a long filter form. Empty fields are dropped
// from the URL so shared search links stay short.
(function () {
  "use strict";
  const heading = document.querySelector("[data-focus-on-load]");
  if (heading && window.location.search) heading.focus();
  const form = document.getElementById("search-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (el) {
      if (!el.value) el.disabled = true;
    });
    const rate = form.querySelector("#f-max_rate");
    if (rate && !rate.value) form.querySelector("#f-currency").disabled = true;
  });
  // Re-enable after navigation back (bfcache keeps the disabled state).
  window.addEventListener("pageshow", function () {
    form.querySelectorAll("[disabled]").forEach(function (el) { el.disabled = false; });
  });
})();
