/**
 * The service worker: precaches the app shell (HTML, JS, CSS, Automerge's wasm,
 * icons, manifest) so the app starts with no network at all. It never touches
 * documents (automerge-repo keeps those in IndexedDB) and never caches /api.
 * A new version waits until the page asks it to take over ("Update").
 */
declare const self: ServiceWorkerGlobalScope
declare const __PRECACHE_MANIFEST__: { version: string; files: string[] }

const MANIFEST = __PRECACHE_MANIFEST__
const CACHE = `app-shell-${MANIFEST.version}`
const NEVER = ["/api/", "/sync", "/schema"]

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(
        MANIFEST.files.map(
          (file) =>
            // A hashed asset's name changes with its content, so the copy the page has
            // just downloaded (the HTTP cache) is the right one: fetching it again would
            // double a first visit (the wasm is 0.8 MB even compressed). The rest (the
            // shell, icons, manifest) keep their names, so they bypass the HTTP cache.
            new Request(file, {
              cache: file.startsWith("assets/") ? "default" : "reload",
            })
        )
      )
    )
  )
})

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("app-shell-") && name !== CACHE) {
          await caches.delete(name)
        }
      }
      await self.clients.claim()
    })()
  )
})

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") void self.skipWaiting()
})

self.addEventListener("fetch", (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (
    request.method !== "GET" ||
    url.origin !== self.location.origin ||
    NEVER.some((prefix) => url.pathname.startsWith(prefix))
  ) {
    return
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE)
      // Every page of the app is the same shell: hash routes pick the screen.
      const key = request.mode === "navigate" ? "./" : request
      const hit = await cache.match(key)
      return hit ?? fetch(request)
    })()
  )
})

export {}
