// The service worker: at install it keeps the whole built page (the engine, the built-in and toy
// models, the bundled samples) in the browser's cache, so after the first visit the page opens,
// runs every task and trains with no network. Each build is a version (a hash of its files): a
// new one installs beside the old, takes over when the page asks (its "reload" button), and
// then deletes the old cache. Models loaded from a URL live in their own cache (modelCache.ts).

/** Filled in by the build (vite.config.ts): the built files and a hash of their contents. */
const BUILD: { version: string; files: string[] } = JSON.parse('__BERTPLAY_PRECACHE__');
const PREFIX = 'bertplay-page-';
const CACHE = PREFIX + BUILD.version;
// The service worker's global scope (this file is compiled with the page's DOM types).
const sw = self as any;

sw.addEventListener('install', (event: any) => {
  // `reload`: the files from the server, not from the HTTP cache of an older version.
  const requests = BUILD.files.map((f) => new Request(f, { cache: 'reload' }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(requests)));
});

sw.addEventListener('activate', (event: any) => {
  const old = (names: string[]) => names.filter((n) => n.startsWith(PREFIX) && n !== CACHE);
  const deleted = caches.keys().then((names) => Promise.all(old(names).map((n) => caches.delete(n))));
  // The first visit's page is served from here at once, so it can be told of the next version.
  event.waitUntil(Promise.all([deleted, sw.clients.claim()]));
});

sw.addEventListener('message', (event: any) => {
  if (event.data === 'activate') sw.skipWaiting();
});

sw.addEventListener('fetch', (event: any) => {
  const request: Request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== location.origin) return;
  event.respondWith(fromCache(request));
});

/** The page's own files from this version's cache; anything else (a test model the server
 * mounts, say) from the network. */
async function fromCache(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const key = request.mode === 'navigate' ? sw.registration.scope : request;
  return (await cache.match(key, { ignoreSearch: true })) ?? fetch(request);
}
