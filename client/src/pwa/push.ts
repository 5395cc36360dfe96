/**
 * Web Push on this browser: whether it can, what it has chosen, and changing that.
 * The server stores the subscription with the kinds chosen; the browser's push
 * service holds the endpoint. Turning everything off removes both.
 */
import { api, type PushKind } from "../api/client"

export function pushSupported(): boolean {
  return (
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window &&
    !import.meta.env.DEV
  )
}

/** The app's service worker registration (never waits: `ready` can wait for ever). */
async function registration(): Promise<ServiceWorkerRegistration> {
  const found = await navigator.serviceWorker.getRegistration()
  if (found === undefined) {
    throw new Error(
      "The app is still being set up on this phone. Try again in a moment."
    )
  }
  return found
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/")
  const binary = atob(padded + "=".repeat((4 - (padded.length % 4)) % 4))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function toBase64Url(buffer: ArrayBuffer | null): string {
  if (buffer === null) return ""
  let binary = ""
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** The kinds this browser gets now (none if it has no subscription here). */
export async function chosenKinds(): Promise<PushKind[]> {
  const subscription = await (
    await registration()
  ).pushManager.getSubscription()
  if (subscription === null) return []
  const mine = await api.pushSubscriptions()
  return mine.find((s) => s.endpoint === subscription.endpoint)?.kinds ?? []
}

/**
 * Get these kinds on this browser (asking permission the first time); none:
 * unsubscribe here and on the server. Throws a message for people if refused.
 */
export async function choose(kinds: PushKind[]): Promise<void> {
  const pushManager = (await registration()).pushManager
  let subscription = await pushManager.getSubscription()
  if (kinds.length === 0) {
    if (subscription !== null) {
      await api.unsubscribePush(subscription.endpoint).catch(() => undefined)
      await subscription.unsubscribe()
    }
    return
  }
  if ((await Notification.requestPermission()) !== "granted") {
    throw new Error(
      "This browser is set to block notifications from this app. Allow them in the browser's site settings, then try again."
    )
  }
  if (subscription === null) {
    const { publicKey } = await api.pushKey()
    subscription = await pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: fromBase64Url(publicKey),
    })
  }
  await api.subscribePush(
    subscription.endpoint,
    {
      p256dh: toBase64Url(subscription.getKey("p256dh")),
      auth: toBase64Url(subscription.getKey("auth")),
    },
    kinds
  )
}

/** Signing out: this browser stops getting the account's notifications. */
export async function endPushHere(tellServer: boolean): Promise<void> {
  if (!pushSupported()) return
  try {
    const subscription = await (
      await registration()
    ).pushManager.getSubscription()
    if (subscription === null) return
    if (tellServer) {
      await api.unsubscribePush(subscription.endpoint).catch(() => undefined)
    }
    await subscription.unsubscribe() // else the server drops it at its next send (410)
  } catch {
    // Offline or already gone: the push service answers 410 to the next send.
  }
}
