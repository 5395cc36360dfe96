/**
 * What the app remembers on this device besides documents (which live in
 * IndexedDB, through automerge-repo): who is signed in, their plans, each
 * plan's documents and people, and what the server last confirmed. It is what
 * lets the app open a plan with no network at all. Keys are per account, so a
 * shared phone keeps accounts apart and signing out removes exactly one.
 */
import type {
  Account,
  Contributor,
  Member,
  Plan,
  PlanDocument,
  PushKind,
} from "../api/client"
import type { Caseload } from "../api/review"

const PREFIX = "sp."
const CURRENT = `${PREFIX}current`
const PENDING_SIGN_OUT = `${PREFIX}pending-sign-out`
const PENDING_DELETE = `${PREFIX}pending-delete`

function read<T>(key: string): T | undefined {
  const text = localStorage.getItem(key)
  if (text === null) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    localStorage.removeItem(key)
    return undefined
  }
}

function write(key: string, value: unknown): void {
  localStorage.setItem(key, JSON.stringify(value))
}

export function databaseName(accountId: string): string {
  return `safety-plan-${accountId}`
}

export type ServerHeads = { heads: string[]; at: number }

/** The notifications chosen on this device, and the endpoint the server was given. */
export type PushChoice = { endpoint: string; kinds: PushKind[] }

/** One account's remembered state on this device. */
export class AccountStore {
  constructor(readonly account: Account) {}

  private key(name: string): string {
    return `${PREFIX}${this.account.id}.${name}`
  }

  get plans(): Plan[] {
    return read<Plan[]>(this.key("plans")) ?? []
  }
  set plans(plans: Plan[]) {
    write(this.key("plans"), plans)
  }

  /** The caseload as the server last sent it (its `asOf` says when). */
  get caseload(): Caseload | undefined {
    return read<Caseload>(this.key("caseload"))
  }
  set caseload(caseload: Caseload) {
    write(this.key("caseload"), caseload)
  }

  documents(planId: string): PlanDocument[] {
    return read<PlanDocument[]>(this.key(`docs.${planId}`)) ?? []
  }
  setDocuments(planId: string, docs: PlanDocument[]): void {
    write(this.key(`docs.${planId}`), docs)
  }

  contributors(planId: string): Contributor[] {
    return read<Contributor[]>(this.key(`contributors.${planId}`)) ?? []
  }
  setContributors(planId: string, list: Contributor[]): void {
    write(this.key(`contributors.${planId}`), list)
  }

  members(planId: string): Member[] {
    return read<Member[]>(this.key(`members.${planId}`)) ?? []
  }
  setMembers(planId: string, list: Member[]): void {
    write(this.key(`members.${planId}`), list)
  }

  /** Actor ids this account wrote with on this device (attribution before sync). */
  get actors(): string[] {
    return read<string[]>(this.key("actors")) ?? []
  }
  addActor(actor: string): void {
    const actors = this.actors
    if (!actors.includes(actor)) write(this.key("actors"), [...actors, actor])
  }

  serverHeads(documentId: string): ServerHeads | undefined {
    return read<ServerHeads>(this.key(`server.${documentId}`))
  }
  setServerHeads(documentId: string, value: ServerHeads): void {
    write(this.key(`server.${documentId}`), value)
  }

  lastSynced(key: string): number | undefined {
    return read<number>(this.key(`synced.${key}`))
  }
  setLastSynced(key: string, at: number): void {
    write(this.key(`synced.${key}`), at)
  }

  get pushChoice(): PushChoice | undefined {
    return read<PushChoice>(this.key("push"))
  }
  set pushChoice(choice: PushChoice | undefined) {
    if (choice === undefined) localStorage.removeItem(this.key("push"))
    else write(this.key("push"), choice)
  }

  /** Why a plan was taken away from this phone by the server, if it was. */
  lostPlan(planId: string): string | undefined {
    return read<string>(this.key(`lost.${planId}`))
  }
  setLostPlan(planId: string, message: string): void {
    write(this.key(`lost.${planId}`), message)
  }

  forgetPlan(planId: string): void {
    this.plans = this.plans.filter((p) => p.id !== planId)
    for (const name of ["docs", "contributors", "members", "synced"]) {
      localStorage.removeItem(this.key(`${name}.${planId}`))
    }
  }

  /** Forget everything about this account on this device (not its documents). */
  clear(): void {
    const mine = `${PREFIX}${this.account.id}.`
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith(mine)) localStorage.removeItem(key)
    }
  }
}

export function currentAccount(): Account | undefined {
  return read<Account>(CURRENT)
}

export function setCurrentAccount(account: Account | undefined): void {
  if (account === undefined) localStorage.removeItem(CURRENT)
  else write(CURRENT, account)
}

/** Databases to delete at the next start, before any connection holds them. */
/** A sign-out made offline: the server session is ended once back online. */
export function pendingSignOut(): boolean {
  return read<boolean>(PENDING_SIGN_OUT) ?? false
}

export function setPendingSignOut(pending: boolean): void {
  if (pending) write(PENDING_SIGN_OUT, true)
  else localStorage.removeItem(PENDING_SIGN_OUT)
}

export function pendingDeletes(): string[] {
  return read<string[]>(PENDING_DELETE) ?? []
}

export function setPendingDeletes(names: string[]): void {
  if (names.length === 0) localStorage.removeItem(PENDING_DELETE)
  else write(PENDING_DELETE, names)
}
