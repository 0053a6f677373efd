// The kiosk's service worker (served from /kiosk/sw.js so its scope is /kiosk/): the page and its assets
// come from the network when it answers, else from the cache, so the kiosk starts after a reload or a
// browser restart with the network down. API calls are never touched: the page's outbox handles them.

const CACHE = "hailong-kiosk-v2"; // a new name when the list below changes: the old cache is dropped
// The page, its style sheet and every module app.js imports (tests/integration/test_kiosk_pages.py checks the list).
const SHELL = [
  "/kiosk/",
  "/static/kiosk/kiosk.css",
  "/static/kiosk/app.js",
  "/static/kiosk/state.js",
  "/static/kiosk/screens.js",
  "/static/kiosk/rating.js",
  "/static/kiosk/complaint.js",
  "/static/kiosk/device.js",
  "/static/kiosk/tabs.js",
  "/static/kiosk/outbox.js",
  "/static/kiosk/faces.js",
];
const PAGE = SHELL[0];
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const key = url.pathname === PAGE ? PAGE : url.pathname;
  if (!SHELL.includes(key)) return;
  event.respondWith(networkFirst(request, key));
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    if (response.ok) cache.put(key, response.clone());
    return response;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS));
  try {
    const answer = await Promise.race([network, slow]);
    if (answer) return answer;
  } catch {
    // offline: fall through to the cache
  }
  return (await cache.match(key)) || network;
}
