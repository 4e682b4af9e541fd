// Phone offer page: tell the producer the offer was opened, and count down to the deadline.
// Opening the HTML changes nothing (link scanners fetch it too); only this script, run by a
// real browser, reports "seen".
(function () {
  "use strict";
  const root = document.getElementById("gig-offer");
  if (!root) return;
  const seenUrl = root.dataset.seenUrl;
  if (seenUrl) window.GigBook.request("POST", seenUrl).catch(() => {});

  const countdown = document.getElementById("offer-countdown");
  const secondsLeft = parseInt(root.dataset.secondsLeft || "", 10);
  if (!countdown || Number.isNaN(secondsLeft)) return;
  const endsAt = Date.now() + secondsLeft * 1000;
  function tick() {
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    if (left === 0) {
      countdown.textContent = "time is up";
      return;
    }
    countdown.textContent = left >= 120 ? `${Math.ceil(left / 60)} min left` : `${left} s left`;
    window.setTimeout(tick, 1000);
  }
  tick();
})();
