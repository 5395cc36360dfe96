/**
 * The service worker: precaches the app shell (HTML, JS, CSS, Automerge's wasm,
 * icons, manifest) so the app starts with no network at all. It never touches
 * documents (automerge-repo keeps those in IndexedDB) and never caches /api.
 * A new version waits until the page asks it to take over ("Update").
 *
 * It also shows Web Push notifications (server/push/): the server's message
 * carries only generic words and the route to open, which a tap opens in the
 * app (a window already open is brought forward and moved there).
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

type PushMessage = { title: string; body: string; url: string; tag: string }

const FALLBACK: PushMessage = {
  title: "Safety plan",
  body: "Something in your plan is waiting for you.",
  url: "/#/",
  tag: "plan",
}

function readPush(event: PushEvent): PushMessage {
  try {
    const data: unknown = event.data?.json()
    if (data !== null && typeof data === "object") {
      const m = data as Partial<Record<keyof PushMessage, unknown>>
      if (
        typeof m.title === "string" &&
        typeof m.body === "string" &&
        typeof m.url === "string" &&
        typeof m.tag === "string"
      ) {
        return { title: m.title, body: m.body, url: m.url, tag: m.tag }
      }
    }
  } catch {
    // not JSON: the generic words still tell the person to look
  }
  return FALLBACK
}

/** Only a route of this app: a URL from elsewhere never opens. */
function appRoute(url: unknown): string {
  if (typeof url !== "string") return "/#/"
  const target = new URL(url, self.location.origin)
  if (target.origin !== self.location.origin || !target.hash.startsWith("#/")) {
    return "/#/"
  }
  return `/${target.hash}`
}

self.addEventListener("push", (event) => {
  const message = readPush(event)
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon: "/icon-192.png",
      data: { url: appRoute(message.url) },
    })
  )
})

async function openRoute(route: string): Promise<void> {
  const windows = await self.clients.matchAll({
    type: "window",
    includeUncontrolled: true,
  })
  const open = windows.find(
    (w) => new URL(w.url).origin === self.location.origin
  )
  if (open === undefined) {
    await self.clients.openWindow(route)
    return
  }
  const moved = await open.navigate(route).catch(() => null)
  await (moved ?? open).focus().catch(() => undefined) // focus needs the tap itself
}

/** What a pushsubscriptionchange event carries (not in TypeScript's worker types). */
type SubscriptionChange = ExtendableEvent & {
  oldSubscription?: PushSubscription | null
  newSubscription?: PushSubscription | null
}

/** base64url without padding, as the server takes a subscription's keys. */
function keyText(buffer: ArrayBuffer | null): string {
  let binary = ""
  for (const byte of new Uint8Array(buffer ?? new ArrayBuffer(0))) {
    binary += String.fromCharCode(byte)
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

async function post(path: string, body: unknown): Promise<boolean> {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  })
  return response.ok
}

/**
 * The push service replaced or ended this browser's subscription (Firefox says so
 * with this event; Chrome does not, and the app renews it when it next reaches the
 * server: pwa/push.ts `renewPushHere`). The server is given the new endpoint with
 * the kinds it holds for the old one, then forgets the old one. Not importing
 * pwa/push.ts: a module shared with the page would become a chunk this classic
 * worker cannot load.
 */
async function renewSubscription(event: SubscriptionChange): Promise<void> {
  const old = event.oldSubscription ?? null
  if (old === null) return // whose kinds: unknown here; the app renews it
  const response = await fetch("/api/push/subscriptions", {
    credentials: "same-origin",
  })
  if (!response.ok) return // signed out, or offline: the app renews it
  const mine = (await response.json()) as {
    endpoint: string
    kinds: string[]
  }[]
  const kinds = mine.find((s) => s.endpoint === old.endpoint)?.kinds ?? []
  if (kinds.length === 0) return
  const fresh =
    event.newSubscription ??
    (await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: old.options.applicationServerKey,
    }))
  const keys = {
    p256dh: keyText(fresh.getKey("p256dh")),
    auth: keyText(fresh.getKey("auth")),
  }
  const saved = await post("/api/push/subscriptions", {
    endpoint: fresh.endpoint,
    keys,
    kinds,
  })
  if (saved && fresh.endpoint !== old.endpoint) {
    await post("/api/push/unsubscribe", { endpoint: old.endpoint })
  }
}

self.addEventListener("pushsubscriptionchange", (event) => {
  const renewing = renewSubscription(event as SubscriptionChange).catch(
    () => undefined // offline or refused: the app renews it when it next can
  )
  try {
    ;(event as ExtendableEvent).waitUntil(renewing)
  } catch {
    // An event the page made (isTrusted false) cannot wait; the renewal goes on.
  }
})

self.addEventListener("notificationclick", (event) => {
  event.notification.close()
  const route = appRoute(
    (event.notification.data as { url?: unknown } | null)?.url
  )
  const opening = openRoute(route)
  try {
    event.waitUntil(opening)
  } catch {
    // An event the page made (isTrusted false) cannot wait; the route opens anyway.
  }
})

export {}
