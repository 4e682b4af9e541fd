// Call sheet phone page: report "opened" to the producer. Fetching the HTML changes nothing (link
// scanners fetch it too); only this script, run by a real browser, says the player opened it.
(function () {
  "use strict";
  const root = document.getElementById("call-sheet");
  if (!root || !root.dataset.seenUrl) return;
  window.GigBook.request("POST", root.dataset.seenUrl).catch(() => {});
})();
