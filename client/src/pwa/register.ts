/** Service-worker registration and the "update available" signal. */
let waiting: ServiceWorker | undefined
const listeners = new Set<() => void>()

function announce(worker: ServiceWorker): void {
  waiting = worker
  for (const listener of listeners) listener()
}

export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return
  navigator.serviceWorker.register("/sw.js").then(
    (registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) {
        announce(registration.waiting)
      }
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing
        worker?.addEventListener("statechange", () => {
          if (
            worker.state === "installed" &&
            navigator.serviceWorker.controller
          ) {
            announce(worker)
          }
        })
      })
    },
    (error: unknown) => console.warn("service worker not registered", error)
  )
  let reloading = false
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (waiting === undefined || reloading) return
    reloading = true
    location.reload()
  })
}

export function onUpdateReady(listener: () => void): () => void {
  listeners.add(listener)
  if (waiting !== undefined) listener()
  return () => listeners.delete(listener)
}

export function applyUpdate(): void {
  waiting?.postMessage("skip-waiting")
}
