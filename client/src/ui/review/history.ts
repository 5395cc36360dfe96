/**
 * Past versions of a plan's documents, from the changes each phone already
 * holds: the heads of "everything the server had received by then", and the
 * document viewed at those heads (read-only).
 */
import * as A from "@automerge/automerge"
import type { ChangeRecord } from "../../api/review"
import type { PlanDoc } from "../../docs/plan"
import { formatTime, roleName } from "../format"

export type Moment = {
  label: string
  heads: Record<string, string[]>
  /** The reviewer's note, for a moment that is a review. */
  note?: string | undefined
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

/** Consecutive changes by one person close together are one moment, newest first. */
export function moments(changes: ChangeRecord[]): Moment[] {
  const found: Moment[] = []
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
      label: `${who}, ${changeWhen(c)}: ${current.count} ${current.count === 1 ? "change" : "changes"}`,
      heads: headsAt(changes, c),
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
  }
  close()
  return found.reverse()
}

/** hash -> the hashes it depends on, for every change in the document. */
export function dependencies(doc: A.Doc<unknown>): Map<string, string[]> {
  const deps = new Map<string, string[]>()
  for (const change of A.getAllChanges(doc)) {
    const decoded = A.decodeChange(change)
    if (decoded.hash !== undefined) deps.set(decoded.hash, decoded.deps)
  }
  return deps
}

/** The heads of a causally closed set of changes: those no other one depends on. */
export function headsOf(
  hashes: Iterable<string>,
  deps: Map<string, string[]>
): string[] {
  const set = new Set(hashes)
  for (const hash of set) {
    for (const dep of deps.get(hash) ?? []) set.delete(dep)
  }
  return [...set].sort()
}

/**
 * Per document, the heads after every change the server had stored up to and
 * including `until` (the server stores changes in causal order, so that prefix
 * is closed under dependencies). Documents with nothing by then are absent.
 */
export function headsAt(
  changes: ChangeRecord[],
  until: ChangeRecord
): Record<string, string[]> {
  const upTo = changes.slice(0, changes.indexOf(until) + 1)
  const byDoc = new Map<string, string[]>()
  for (const c of upTo)
    byDoc.set(c.documentId, [...(byDoc.get(c.documentId) ?? []), c.hash])
  const heads: Record<string, string[]> = {}
  for (const [documentId, hashes] of byDoc) heads[documentId] = hashes
  return heads
}

/** The document as it was at `hashes` (all of them must be in `doc`), or undefined. */
export function viewAt(
  doc: A.Doc<PlanDoc>,
  hashes: string[]
): A.Doc<PlanDoc> | undefined {
  const deps = dependencies(doc)
  if (!hashes.every((h) => deps.has(h))) return undefined
  return A.view(doc, headsOf(hashes, deps))
}
