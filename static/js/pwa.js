// Registers the service worker (offline My gigs, web push). Pages work the same without it.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  window.GigBookServiceWorker = navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => null);
})();
