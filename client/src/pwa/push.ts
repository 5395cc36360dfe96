/**
 * Web Push on this browser: whether it can, what it has chosen, and changing that.
 * The server stores the subscription with the kinds chosen; the browser's push
 * service holds the endpoint. Turning everything off removes both. The choice is
 * also kept on this device (AccountStore.pushChoice), so that a subscription the
 * push service ended or replaced is renewed with it (`renewPushHere`).
 */
import { api, type PushKind } from "../api/client"
import type { AccountStore } from "../local/store"

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
export async function chosenKinds(store: AccountStore): Promise<PushKind[]> {
  const subscription = await (
    await registration()
  ).pushManager.getSubscription()
  if (subscription === null) return []
  const mine = await api.pushSubscriptions()
  const kinds =
    mine.find((s) => s.endpoint === subscription.endpoint)?.kinds ?? []
  if (kinds.length > 0) {
    store.pushChoice = { endpoint: subscription.endpoint, kinds }
  }
  return kinds
}

async function subscribeHere(
  pushManager: PushManager
): Promise<PushSubscription> {
  const { publicKey } = await api.pushKey()
  return await pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: fromBase64Url(publicKey),
  })
}

/** Tells the server this subscription's kinds, and remembers them here. */
async function register(
  store: AccountStore,
  subscription: PushSubscription,
  kinds: PushKind[]
): Promise<void> {
  await api.subscribePush(
    subscription.endpoint,
    {
      p256dh: toBase64Url(subscription.getKey("p256dh")),
      auth: toBase64Url(subscription.getKey("auth")),
    },
    kinds
  )
  store.pushChoice = { endpoint: subscription.endpoint, kinds }
}

/**
 * Get these kinds on this browser (asking permission the first time); none:
 * unsubscribe here and on the server. Throws a message for people if refused.
 */
export async function choose(
  store: AccountStore,
  kinds: PushKind[]
): Promise<void> {
  const pushManager = (await registration()).pushManager
  let subscription = await pushManager.getSubscription()
  if (kinds.length === 0) {
    store.pushChoice = undefined
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
  subscription ??= await subscribeHere(pushManager)
  await register(store, subscription, kinds)
}

/**
 * Once a session reaches the server: if the server does not know this browser's
 * subscription (the push service ended or replaced it, and Chrome fires no event
 * for that), subscribe afresh with the kinds chosen here and tell the server,
 * which forgets the old endpoint. Nothing chosen here, or no permission: nothing
 * to do. Best effort: offline or refused, the next start tries again.
 */
export async function renewPushHere(store: AccountStore): Promise<void> {
  const choice = store.pushChoice
  if (
    !pushSupported() ||
    choice === undefined ||
    Notification.permission !== "granted"
  ) {
    return
  }
  try {
    const pushManager = (await registration()).pushManager
    const current = await pushManager.getSubscription()
    const mine = await api.pushSubscriptions()
    if (current !== null && mine.some((s) => s.endpoint === current.endpoint)) {
      return
    }
    await current?.unsubscribe() // known nowhere: a fresh one is asked for
    const fresh = await subscribeHere(pushManager)
    await register(store, fresh, choice.kinds)
    if (fresh.endpoint !== choice.endpoint) {
      await api.unsubscribePush(choice.endpoint).catch(() => undefined)
    }
  } catch {
    // Offline, refused, or the app is still being set up: the next start tries again.
  }
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
