/**
 * A signed-in account on this device: its remembered state and its Repo.
 * Signing out removes the account's local data (after the UI has warned about
 * anything the server does not have yet).
 */
import type { DocumentId, Repo } from "@automerge/automerge-repo"
import { type Account, api, Unreachable } from "../api/client"
import {
  AccountStore,
  currentAccount,
  databaseName,
  pendingDeletes,
  pendingSignOut,
  setCurrentAccount,
  setPendingDeletes,
  setPendingSignOut,
} from "../local/store"
import { endPushHere, renewPushHere } from "../pwa/push"
import { createRepo, type NoticeEvent, type ServerLink } from "../repo"
import { hasUnacknowledged } from "../sync/status"
import { forgetPlan } from "./plans"

export type Session = {
  account: Account
  store: AccountStore
  repo: Repo
  server: ServerLink
}

export const REVOKED =
  "You are no longer part of this plan, so its copy has been removed from this phone."
export const DELETED =
  "This plan has been deleted, so its copy has been removed from this phone."
export const SIGNED_OUT =
  "Your sign-in has ended, so this copy of someone else's plan has been removed from this phone. Sign in again to see it."

export function startSession(account: Account): Session {
  const { repo, server } = createRepo(account.id)
  addEventListener("pagehide", () => {
    void repo.flush()
  })
  const session: Session = {
    account,
    store: new AccountStore(account),
    repo,
    server,
  }
  // The server says this account may no longer have a document: the plan it
  // belongs to leaves this phone at once, as it would on the next start.
  server.addEventListener("lost", (event) => {
    const { notice } = event as NoticeEvent
    for (const plan of session.store.plans) {
      const documents = session.store.documents(plan.id)
      if (!documents.some((d) => d.documentId === notice.documentId)) continue
      session.store.setLostPlan(
        plan.id,
        notice.reason === "document-deleted" ? DELETED : REVOKED
      )
      forgetPlan(session, plan)
    }
    server.dispatchEvent(new Event("plans"))
  })
  // Once the server is reached: a push subscription the push service ended or
  // replaced meanwhile is renewed with what this phone chose.
  const renewPush = () => {
    if (!server.connected) return
    server.removeEventListener("change", renewPush)
    void renewPushHere(session.store)
  }
  server.addEventListener("change", renewPush)
  // The sign-in ended (signed out elsewhere, expired, revoked): copies of other
  // people's plans leave this phone at once, as they would for a removal. The
  // person's own plan stays: what they write meanwhile syncs once they sign in
  // again (decision 27). A deleted account is forgotten entirely (app.tsx).
  server.addEventListener("ended", (event) => {
    if ((event as NoticeEvent).notice.reason === "account-deleted") return
    for (const plan of session.store.plans) {
      if (plan.role === "person") continue
      session.store.setLostPlan(plan.id, SIGNED_OUT)
      forgetPlan(session, plan)
    }
    server.dispatchEvent(new Event("plans"))
  })
  return session
}

export async function signIn(
  email: string,
  password: string
): Promise<Session> {
  await finishPendingSignOut()
  const account = await api.signIn(email, password)
  setCurrentAccount(account)
  return startSession(account)
}

/** A new password from a reset link: this browser is signed in with it. */
export async function resetPassword(
  token: string,
  password: string
): Promise<Session> {
  await finishPendingSignOut()
  const account = await api.resetPassword(token, password)
  setCurrentAccount(account)
  return startSession(account)
}

/**
 * Documents with changes written on this device that the server has not
 * acknowledged (changes received from the server do not count).
 */
export async function unsyncedDocuments(session: Session): Promise<string[]> {
  const { store, repo } = session
  const unsynced: string[] = []
  for (const plan of store.plans) {
    for (const { documentId } of store.documents(plan.id)) {
      const handle = await repo.find(documentId as DocumentId, {
        allowableStates: ["ready", "unavailable"],
      })
      if (!handle.isReady()) continue
      const known = store.serverHeads(documentId)?.heads ?? []
      if (hasUnacknowledged(handle.doc(), known, store.actors)) {
        unsynced.push(documentId)
      }
    }
  }
  return unsynced
}

/**
 * Ends the session on the server (when reachable), forgets the account on this
 * device and deletes its database at the next start, before anything opens it.
 */
export async function signOut(session: Session): Promise<void> {
  await endPushHere(true) // before the session ends: the server is told whose it was
  try {
    await api.signOut()
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error
    // Offline: this phone signs out now; the server is told when it is back.
    setPendingSignOut(true)
  }
  await forgetAccount(session)
}

/**
 * Ends on the server a session signed out of while offline, once it can be
 * reached (at start and when the network returns), unless someone has signed
 * in again since (their cookie would be the one ended).
 */
export async function finishPendingSignOut(): Promise<void> {
  if (!pendingSignOut()) return
  if (currentAccount() !== undefined) {
    setPendingSignOut(false)
    return
  }
  try {
    await api.signOut()
    setPendingSignOut(false)
  } catch (error) {
    if (!(error instanceof Unreachable)) setPendingSignOut(false)
  }
}

/** Deletes the account on the server (password again), then everything here. */
export async function deleteAccount(
  session: Session,
  password: string
): Promise<void> {
  await api.deleteAccount(password)
  await forgetAccount(session)
}

/** Forgets the account and its plans on this device (signed out, or deleted). */
export async function forgetAccount(session: Session): Promise<void> {
  await endPushHere(false)
  await session.repo.shutdown()
  setPendingDeletes([...pendingDeletes(), databaseName(session.account.id)])
  session.store.clear()
  setCurrentAccount(undefined)
}

/** Deletes databases of accounts that signed out. Run before any Repo starts. */
export async function deleteSignedOutData(): Promise<void> {
  const remaining: string[] = []
  for (const name of pendingDeletes()) {
    const done = await new Promise<boolean>((resolve) => {
      const request = indexedDB.deleteDatabase(name)
      request.onsuccess = () => resolve(true)
      request.onerror = () => resolve(false)
      request.onblocked = () => resolve(false)
    })
    if (!done) remaining.push(name)
  }
  setPendingDeletes(remaining)
}
