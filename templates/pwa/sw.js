{% autoescape off %}// GigBook service worker: the app shell and My gigs for offline reading, and web push.
"use strict";
const VERSION = "{{ version }}";
const SHELL_CACHE = `gigbook-shell-${VERSION}`;
const PAGE_CACHE = "gigbook-pages";
const SHELL = {{ shell_json }};
const OFFLINE_PAGES = {{ offline_pages_json }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("gigbook-shell-") && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    // Only a real page of the signed-in person is kept (not a redirect to the sign-in page).
    if (response.ok && !response.redirected) await cache.put(request.url.split("?")[0], response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request.url.split("?")[0]);
    return cached || (await caches.match("/offline/")) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout/") {
    // Someone else may sign in on this phone next: forget the pages kept for offline reading.
    event.respondWith(caches.delete(PAGE_CACHE).then(() => fetch(request)));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    if (OFFLINE_PAGES.includes(url.pathname)) {
      event.respondWith(networkFirst(request));
    } else {
      event.respondWith(fetch(request).catch(async () => (await caches.match("/offline/")) || Response.error()));
    }
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch (error) { message = { title: "GigBook", body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(message.title || "GigBook", {
    body: message.body || "",
    tag: message.tag,            // a newer message about the same offer replaces the older one
    renotify: Boolean(message.tag),
    requireInteraction: Boolean(message.urgent),
    icon: SHELL.find((path) => path.includes("gigbook-192")),
    data: { url: message.url || "/inbox/", opened: message.opened },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const target = new URL(data.url || "/inbox/", self.location.origin).href;
  event.waitUntil((async () => {
    if (data.opened) {
      // Tell the server the push was opened, so no text is sent as its fallback.
      fetch("/api/push/opened/", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: data.opened }),
      }).catch(() => {});
    }
    for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
      if (client.url === target && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target);
  })());
});
{% endautoescape %}
