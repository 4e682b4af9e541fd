// "Turn on notifications": subscribes this browser to web push and tells the server (see _push_toggle.html).
(function () {
  "use strict";
  const box = document.getElementById("push-toggle");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  const on = document.getElementById("push-on");
  const off = document.getElementById("push-off");
  const state = document.getElementById("push-state");
  const error = document.getElementById("push-error");
  box.hidden = false;

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }
  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    state.textContent = subscribed
      ? "Notifications are on for this phone. Offers arrive even when GigBook is closed."
      : "Notifications are off for this phone. Offers still arrive by email and text as you chose.";
  }
  function fail(text) {
    error.textContent = text;
    error.hidden = false;
  }
  async function registration() {
    await (window.GigBookServiceWorker || navigator.serviceWorker.register("/sw.js", { scope: "/" }));
    return navigator.serviceWorker.ready;
  }

  on.addEventListener("click", async () => {
    error.hidden = true;
    if ((await Notification.requestPermission()) !== "granted") {
      fail("Notifications are blocked for GigBook in this browser's settings. Allow them there, then try again.");
      return;
    }
    try {
      const config = await window.GigBook.request("GET", "/api/push-subscriptions/config/");
      const reg = await registration();
      const subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(config.data.vapid_public_key),
      });
      const saved = await window.GigBook.request("POST", "/api/push-subscriptions/", subscription.toJSON());
      if (!saved.ok) {
        await subscription.unsubscribe();
        const messages = Object.values((saved.data && saved.data.errors) || {}).flat(Infinity);
        fail(messages.join(" ") || "Notifications could not be turned on. Please try again.");
        return;
      }
      show(true);
    } catch (e) {
      fail("This browser could not turn on notifications. Please try again later.");
    }
  });

  off.addEventListener("click", async () => {
    error.hidden = true;
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (subscription) {
      await window.GigBook.request("POST", "/api/push-subscriptions/unsubscribe/", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    show(false);
  });

  registration().then((reg) => reg.pushManager.getSubscription()).then((s) => show(Boolean(s))).catch(() => show(false));
})();
