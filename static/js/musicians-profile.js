// Public profile: "Copy link" for sharing the press kit (falls back to selecting the URL).
(function () {
  "use strict";
  const button = document.querySelector("[data-copy-link]");
  const status = document.querySelector("[data-copy-status]");
  if (!button) return;
  button.addEventListener("click", async function () {
    const url = button.dataset.copyLink;
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = "Link copied.";
    } catch (e) {
      window.prompt("Copy this link:", url);
    }
  });
})();
