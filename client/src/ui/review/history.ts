/**
 * Past versions of a plan's documents, from the changes each phone already
 * holds: the heads of "everything the server had received by then", and the
 * document viewed at those heads (read-only).
 *
 * The work is linear in the number of changes: one pass over the server's list
 * keeps each document's frontier (a change joins it, its dependencies leave
 * it), and the dependencies come from the phone's own copies, read once per
 * change as they arrive (`PlanHistory`).
 */
import * as A from "@automerge/automerge"
import type { ChangeRecord } from "../../api/review"
import type { PlanDoc } from "../../docs/plan"
import { formatTime, roleName } from "../format"

export type Moment = {
  /** Unique among the moments shown (the last change's hash, or the review's id). */
  id: string
  label: string
  heads: Record<string, string[]>
  /** The reviewer's note, for a moment that is a review. */
  note?: string | undefined
}

/** hash -> the hashes that change depends on; undefined for a change the phone lacks. */
export type Dependencies = {
  get(hash: string): readonly string[] | undefined
}

const SESSION_MS = 10 * 60 * 1000

/**
 * When a change happened, in ms, for placing it in time: its own time (the
 * author's phone clock), or when it reached the server if it carries none
 * (`changeTime` null: docs/review-api.md).
 */
export function changeMs(c: ChangeRecord): number {
  return Date.parse(c.changeTime ?? c.receivedAt)
}

/** "21 Jan 2026, 18:54", or when it reached the server if it carries no time. */
export function changeWhen(c: ChangeRecord): string {
  return c.changeTime === null
    ? `reached the server ${formatTime(Date.parse(c.receivedAt))}`
    : formatTime(Date.parse(c.changeTime))
}

/**
 * Each document's heads after a growing prefix of the server's list (which is
 * in causal order): `add` a change, then `snapshot` the frontier. A snapshot
 * re-sorts only the documents that moved since the last one, so a pass over
 * n changes costs O(n) plus the size of the frontiers it copies.
 *
 * A change whose dependencies are unknown (the phone does not hold it) stays
 * in its document's heads and removes nothing: such heads name a change the
 * phone lacks, so `viewAt` shows nothing for that document, as it cannot.
 */
class Frontier {
  private readonly heads = new Map<string, Set<string>>()
  private readonly sorted = new Map<string, string[]>()
  private latest: Record<string, string[]> | undefined

  constructor(private readonly deps: Dependencies) {}

  add(c: ChangeRecord): void {
    let heads = this.heads.get(c.documentId)
    if (heads === undefined) {
      heads = new Set()
      this.heads.set(c.documentId, heads)
    }
    for (const dep of this.deps.get(c.hash) ?? []) heads.delete(dep)
    heads.add(c.hash)
    this.sorted.delete(c.documentId)
    this.latest = undefined
  }

  /** Per document, its heads now (documents with no change yet are absent). */
  snapshot(): Record<string, string[]> {
    if (this.latest !== undefined) return this.latest
    const out: Record<string, string[]> = {}
    for (const [documentId, heads] of this.heads) {
      let sorted = this.sorted.get(documentId)
      if (sorted === undefined) {
        sorted = [...heads].sort()
        this.sorted.set(documentId, sorted)
      }
      out[documentId] = sorted
    }
    this.latest = out
    return out
  }
}

/**
 * Consecutive changes by one person close together are one moment, newest
 * first; each with the heads of every document after its last change. One pass:
 * O(n) in the number of changes (the heads arrays are shared between moments
 * for documents that did not move in between: treat them as read-only).
 */
export function moments(
  changes: readonly ChangeRecord[],
  deps: Dependencies
): Moment[] {
  const found: Moment[] = []
  const frontier = new Frontier(deps)
  let current:
    | { userId: string | null; last: ChangeRecord; count: number }
    | undefined
  const close = () => {
    if (current === undefined) return
    const c = current.last
    const name = c.displayName ?? "a former member"
    const who =
      c.role && c.role !== "person" ? `${name} (${roleName(c.role)})` : name
    found.push({
      id: c.hash,
      label: `${who}, ${changeWhen(c)}: ${current.count} ${current.count === 1 ? "change" : "changes"}`,
      heads: frontier.snapshot(),
    })
  }
  for (const c of changes) {
    const near =
      current !== undefined &&
      current.userId === c.userId &&
      Math.abs(changeMs(c) - changeMs(current.last)) < SESSION_MS
    if (near && current) {
      current.last = c
      current.count += 1
    } else {
      close()
      current = { userId: c.userId, last: c, count: 1 }
    }
    frontier.add(c)
  }
  close()
  return found.reverse()
}

/**
 * Per document, the heads after every change the server had stored up to and
 * including `until` (the server stores changes in causal order, so that prefix
 * is closed under dependencies): the changes of that prefix no other one of it
 * depends on. Documents with nothing by then are absent. O(n); for every
 * moment at once, `moments`.
 */
export function headsAt(
  changes: readonly ChangeRecord[],
  until: ChangeRecord,
  deps: Dependencies
): Record<string, string[]> {
  if (!changes.includes(until)) return {}
  const frontier = new Frontier(deps)
  for (const c of changes) {
    frontier.add(c)
    if (c === until) break
  }
  return frontier.snapshot()
}

function sameHeads(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((h, i) => h === b[i])
}

/**
 * The plan's change graph, learnt from the phone's copies of its documents,
 * and the moments of the server's change list, kept until something they
 * depend on changes: a document that moved costs only the changes that arrived
 * (`learn`), and the moments are recomputed (once, linearly) only when one of
 * them is a change the list names whose dependencies were not known before.
 */
export class PlanHistory implements Dependencies {
  private readonly deps = new Map<string, readonly string[]>()
  private readonly seen = new Map<string, string[]>()
  private listed: readonly ChangeRecord[] | undefined
  /** Listed hashes whose dependencies are still unknown. */
  private missing = new Set<string>()
  private cached: Moment[] | undefined

  get(hash: string): readonly string[] | undefined {
    return this.deps.get(hash)
  }

  /** Take in the changes `doc` (the phone's copy of `documentId`) has that were not seen. */
  learn(documentId: string, doc: A.Doc<unknown>): void {
    const heads = A.getHeads(doc)
    const before = this.seen.get(documentId) ?? []
    if (sameHeads(heads, before)) return
    // A copy only grows; should it not hold what was seen, read it whole.
    const since = holds(doc, before) ? before : []
    for (const change of A.getChangesMetaSince(doc, since)) {
      if (this.deps.has(change.hash)) continue
      this.deps.set(change.hash, change.deps)
      if (this.missing.delete(change.hash)) this.cached = undefined
    }
    this.seen.set(documentId, heads)
  }

  /** The moments of `changes`: the same array as last time if nothing they show changed. */
  moments(changes: readonly ChangeRecord[]): Moment[] {
    if (changes !== this.listed) {
      this.listed = changes
      this.missing = new Set(
        changes.filter((c) => !this.deps.has(c.hash)).map((c) => c.hash)
      )
      this.cached = undefined
    }
    this.cached ??= moments(changes, this)
    return this.cached
  }
}

/** Is every one of `hashes` a change `doc` holds? False for anything not a hash. */
function holds(doc: A.Doc<unknown>, hashes: string[]): boolean {
  try {
    return A.hasHeads(doc, hashes)
  } catch {
    return false // not a change hash at all (hasHeads throws)
  }
}

/**
 * The document as it was at `hashes` (heads, or any set of changes: the view
 * is at everything they include), or undefined if the phone lacks one of them.
 */
export function viewAt(
  doc: A.Doc<PlanDoc>,
  hashes: string[]
): A.Doc<PlanDoc> | undefined {
  if (!holds(doc, hashes)) return undefined
  return A.view(doc, hashes)
}
