/* The kiosk's service worker (scope /kiosk/).
 *
 * When a kiosk page cannot be loaded (server down, network gone, a 5xx from a
 * proxy or from the app), the terminal must not be left on the browser's own
 * error page, which never retries: the worker answers the navigation with the
 * cached "connection lost" page, which goes to /kiosk/ every few seconds
 * until the server answers again (the dispatcher leads on to the running
 * exam or the result; a failed form post is never re-sent). The exam page restores the
 * state from the server and resends the answers kept in localStorage.
 * API requests are never touched (the exam page handles those itself).
 */
"use strict";

var CACHE = "kiosk-shell-v2";
var OFFLINE = "/kiosk/offline";
var CSS = "/kiosk/static/kiosk.css";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll([OFFLINE, CSS]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  return caches.match(OFFLINE).then(function (cached) {
    return cached || new Response("<!doctype html><meta http-equiv=\"refresh\" content=\"5; url=/kiosk/\"><h1>…</h1>",
      {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      // Our own retry page (503) and any 5xx of a proxy: show the self-retrying page.
      return response.status >= 500 ? offlinePage() : response;
    }, offlinePage));
  } else if (url.pathname === CSS) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(CSS, copy); });
      }
      return response;
    }, function () { return caches.match(CSS); }));
  }
});
