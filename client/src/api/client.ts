/** Typed wrappers for the REST API (same origin; the session cookie goes along). */
import type { components } from "./schema.gen"

type Schemas = components["schemas"]
/** A member's role in a plan: the server's one list (server/roles.py), generated. */
export type Role = Schemas["Role"]
export type Account = Schemas["Account"]
export type Plan = Schemas["Plan"]
export type PlanDocument = Schemas["PlanDocument"]
export type Invite = Schemas["Invite"]
export type InviteAccepted = Schemas["InviteAccepted"]
export type InvitePreview = Schemas["InvitePreview"]
export type PendingInvite = Schemas["PendingInvite"]
export type Member = Schemas["Member"]
export type Contributor = Schemas["Contributor"]
export type Device = Schemas["Device"]
/** A kind of notification a person can choose (server/push/models.py). */
export type PushKind = Schemas["Kind"]
export type PushKey = Schemas["PushKey"]
export type PushSubscriptionInfo = Schemas["Subscription"]

/** The server answered with an error status; `detail` is its explanation. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string
  ) {
    super(detail)
  }
}

/** The server could not be reached at all (offline, or it is down). */
export class Unreachable extends Error {}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown
): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new Unreachable("The server cannot be reached.")
  }
  if (!response.ok) {
    let detail = response.statusText
    try {
      const parsed: unknown = await response.json()
      if (
        parsed !== null &&
        typeof parsed === "object" &&
        "detail" in parsed &&
        typeof parsed.detail === "string"
      ) {
        detail = parsed.detail
      }
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, detail)
  }
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

const q = encodeURIComponent

export const api = {
  signUp: (email: string, password: string, displayName: string) =>
    call<Account>("POST", "/api/accounts", { email, password, displayName }),
  signIn: (email: string, password: string) =>
    call<Account>("POST", "/api/session", { email, password }),
  signOut: () => call<void>("DELETE", "/api/session"),
  me: () => call<Account>("GET", "/api/me"),
  /** Mails a reset link if an account has the address: the same answer either way. */
  askPasswordReset: (email: string) =>
    call<{ detail: string }>("POST", "/api/password-reset", { email }),
  /** Sets the password; every other sign-in ends and this browser is signed in. */
  resetPassword: (token: string, password: string) =>
    call<Account>("POST", "/api/password-reset/confirm", { token, password }),
  devices: () => call<Device[]>("GET", "/api/account/devices"),
  endDevice: (deviceId: string) =>
    call<void>("DELETE", `/api/account/devices/${q(deviceId)}`),
  deleteAccount: (password: string) =>
    call<void>("DELETE", "/api/accounts/me", { password }),
  pushKey: () => call<PushKey>("GET", "/api/push/key"),
  pushSubscriptions: () =>
    call<PushSubscriptionInfo[]>("GET", "/api/push/subscriptions"),
  subscribePush: (
    endpoint: string,
    keys: { p256dh: string; auth: string },
    kinds: PushKind[]
  ) =>
    call<PushSubscriptionInfo>("POST", "/api/push/subscriptions", {
      endpoint,
      keys,
      kinds,
    }),
  unsubscribePush: (endpoint: string) =>
    call<void>("POST", "/api/push/unsubscribe", { endpoint }),
  plans: () => call<Plan[]>("GET", "/api/plans"),
  createPlan: (documentId: string, title: string) =>
    call<Plan>("POST", "/api/plans", { documentId, title }),
  documents: (planId: string) =>
    call<PlanDocument[]>("GET", `/api/plans/${q(planId)}/documents`),
  registerDocument: (planId: string, documentId: string, audience: string) =>
    call<PlanDocument>("POST", `/api/plans/${q(planId)}/documents`, {
      documentId,
      audience,
    }),
  invite: (planId: string, role: string) =>
    call<Invite>("POST", `/api/plans/${q(planId)}/invites`, { role }),
  /** The code as typed goes in the body: nothing in it can change the route. */
  previewInvite: (code: string) =>
    call<InvitePreview>("POST", "/api/invites/preview", { code }),
  acceptInvite: (code: string) =>
    call<InviteAccepted>("POST", "/api/invites/accept", { code }),
  invites: (planId: string) =>
    call<PendingInvite[]>("GET", `/api/plans/${q(planId)}/invites`),
  cancelInvite: (planId: string, inviteId: string) =>
    call<void>("DELETE", `/api/plans/${q(planId)}/invites/${q(inviteId)}`),
  members: (planId: string) =>
    call<Member[]>("GET", `/api/plans/${q(planId)}/members`),
  revoke: (planId: string, userId: string) =>
    call<void>("DELETE", `/api/plans/${q(planId)}/members/${q(userId)}`),
  contributors: (planId: string) =>
    call<Contributor[]>("GET", `/api/plans/${q(planId)}/contributors`),
}
