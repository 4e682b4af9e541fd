// "Add to first call" on result cards and profiles: adds the player to the producer's first-call list
// for that instrument through the API, in place (no page change), and says so next to the button.
(function () {
  "use strict";
  if (!window.GigBook) return;
  document.addEventListener("click", async function (event) {
    const button = event.target.closest("[data-first-call]");
    if (!button) return;
    const state = button.parentElement.querySelector("[data-first-call-state]");
    button.disabled = true;
    const result = await window.GigBook.request("POST", "/api/favourites/", {
      musician_profile: Number(button.dataset.profile), instrument: button.dataset.instrument,
    });
    if (result.ok) {
      const instrument = result.data && result.data.instrument ? ` (${result.data.instrument.name || button.dataset.instrument})` : "";
      state.textContent = `Added to your first call${instrument}.`;
      button.hidden = true;
    } else {
      button.disabled = false;
      const errors = (result.data && result.data.errors) || {};
      const words = Object.values(errors).flat(Infinity).join(" ");
      state.textContent = words || (result.data && result.data.detail) || "Could not add them. Try again.";
    }
  });
})();
