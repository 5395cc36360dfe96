/**
 * The plan document: its shape and the pure change functions that run inside
 * `handle.change`. The contract is docs/plan-document.md.
 *
 * Attribution is read from Automerge object ids ("counter@actor"), never from
 * fields a client could claim: the actor that created an item's map wrote it,
 * the actor that created its current `edit` map changed it last.
 */
import * as A from "@automerge/automerge"
import { type AudienceKind, sectionsOf } from "./template"

export type Stamp = { at: number }

export type Signoff = {
  /** Hex change hashes per document id: what the reviewer reviewed. */
  heads: Record<string, string[]>
  /** "YYYY-MM-DD": when the next review is due. */
  nextReview?: string
  at: number
}

export type Item = {
  id: string
  text: string
  phone?: string
  made: number
  edit: Stamp
  removed?: Stamp
  fromProposal?: string
  signoff?: Signoff
}

export type Decision = {
  state: "accepted" | "declined" | "withdrawn"
  at: number
  itemId?: string
}

export type Proposal = {
  id: string
  section: string
  text: string
  phone?: string
  made: number
  edit: Stamp
  decision?: Decision
}

export type PlanDoc = {
  schema: 1
  audience: AudienceKind
  sections: Record<string, Item[]>
  proposals: Proposal[]
}

export type Fields = { text: string; phone?: string }

/** The server refuses longer text (server/plans/shape_rules.py): keep them equal. */
export const MAX_TEXT = 2000
/** The server refuses longer phone numbers, and any with control characters. */
export const MAX_PHONE = 40

export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
}

/** The initial value of a new document for one audience. */
export function newPlanDoc(audience: AudienceKind): PlanDoc {
  const sections: Record<string, Item[]> = {}
  for (const s of sectionsOf(audience)) sections[s.id] = []
  return { schema: 1, audience, sections, proposals: [] }
}

function clean(fields: Fields): Fields {
  const text = fields.text.trim().slice(0, MAX_TEXT)
  if (text === "") throw new RangeError("an item needs some words")
  // One line: a pasted tab or line break becomes a space.
  const phone = fields.phone
    ?.replace(/[\p{Cc}\u2028\u2029]+/gu, " ")
    .trim()
    .slice(0, MAX_PHONE)
  return phone ? { text, phone } : { text }
}

function list(doc: PlanDoc, sectionId: string): Item[] {
  const items = doc.sections[sectionId]
  if (items === undefined) {
    throw new RangeError(`section ${sectionId} is not in this document`)
  }
  return items
}

function indexOf<T extends { id: string }>(xs: T[], id: string): number {
  const i = xs.findIndex((x) => x.id === id)
  if (i < 0) throw new RangeError(`no item ${id}`)
  return i
}

export function addItem(
  doc: PlanDoc,
  sectionId: string,
  fields: Fields,
  now: number,
  id: string = newId()
): string {
  const f = clean(fields)
  list(doc, sectionId).push({ id, ...f, made: now, edit: { at: now } })
  return id
}

/** Edits text character by character, so concurrent edits of one item merge. */
export function editItem(
  doc: PlanDoc,
  sectionId: string,
  itemId: string,
  fields: Fields,
  now: number
): void {
  const items = list(doc, sectionId)
  const i = indexOf(items, itemId)
  edit(
    doc,
    ["sections", sectionId, i],
    changeable(items[i] as Item),
    fields,
    now
  )
}

/** A review's sign-off is a record: the server refuses any change to its item. */
export function isChangeable(item: Item): boolean {
  return item.signoff === undefined
}

function changeable(item: Item): Item {
  if (!isChangeable(item)) {
    throw new RangeError("a review's sign-off cannot be changed or removed")
  }
  return item
}

type Editable = { text: string; phone?: string; edit: Stamp }

/** Text by splices (concurrent edits merge), the phone whole, and a new `edit` map. */
function edit(
  doc: PlanDoc,
  path: (string | number)[],
  target: Editable,
  fields: Fields,
  now: number
): void {
  const f = clean(fields)
  if (target.text !== f.text) A.updateText(doc, [...path, "text"], f.text)
  if ((target.phone ?? "") !== (f.phone ?? "")) {
    if (f.phone) target.phone = f.phone
    else delete target.phone
  }
  target.edit = { at: now }
}

/** Soft removal: the item leaves the plan but stays in its history. */
export function removeItem(
  doc: PlanDoc,
  sectionId: string,
  itemId: string,
  now: number
): void {
  const items = list(doc, sectionId)
  const item = changeable(items[indexOf(items, itemId)] as Item)
  item.removed = { at: now }
}

export function restoreItem(
  doc: PlanDoc,
  sectionId: string,
  itemId: string,
  now: number
): void {
  const items = list(doc, sectionId)
  const item = changeable(items[indexOf(items, itemId)] as Item)
  delete item.removed
  item.edit = { at: now }
}

export function propose(
  doc: PlanDoc,
  sectionId: string,
  fields: Fields,
  now: number,
  id: string = newId()
): string {
  list(doc, sectionId)
  const f = clean(fields)
  doc.proposals.push({
    id,
    section: sectionId,
    ...f,
    made: now,
    edit: { at: now },
  })
  return id
}

function pending(doc: PlanDoc, proposalId: string): [Proposal, number] {
  const i = indexOf(doc.proposals, proposalId)
  const p = doc.proposals[i] as Proposal
  if (p.decision !== undefined) {
    throw new RangeError("this suggestion has already been decided")
  }
  return [p, i]
}

export function editProposal(
  doc: PlanDoc,
  proposalId: string,
  fields: Fields,
  now: number
): void {
  const [p, i] = pending(doc, proposalId)
  edit(doc, ["proposals", i], p, fields, now)
}

/** The person accepts a suggestion, optionally in their own words. */
export function acceptProposal(
  doc: PlanDoc,
  proposalId: string,
  now: number,
  edited?: Fields,
  itemId: string = newId()
): string {
  const [p] = pending(doc, proposalId)
  const f = clean(edited ?? { text: p.text, phone: p.phone })
  list(doc, p.section).push({
    id: itemId,
    ...f,
    made: p.made,
    edit: { at: now },
    fromProposal: p.id,
  })
  p.decision = { state: "accepted", at: now, itemId }
  return itemId
}

export function declineProposal(
  doc: PlanDoc,
  proposalId: string,
  now: number
): void {
  const [p] = pending(doc, proposalId)
  p.decision = { state: "declined", at: now }
}

export function withdrawProposal(
  doc: PlanDoc,
  proposalId: string,
  now: number
): void {
  const [p] = pending(doc, proposalId)
  p.decision = { state: "withdrawn", at: now }
}

export const REVIEW_LOG = "review-log"

/**
 * A clinician's "reviewed up to here": an item of the review log carrying the
 * heads that were reviewed (docs/plan-document.md). Works offline like any item.
 */
export function signOff(
  doc: PlanDoc,
  heads: Record<string, string[]>,
  note: string,
  nextReview: string | undefined,
  now: number,
  id: string = newId()
): string {
  const signoff: Signoff = { heads, at: now }
  if (nextReview) signoff.nextReview = nextReview
  list(doc, REVIEW_LOG).push({
    id,
    text: note.trim().slice(0, MAX_TEXT) || "Reviewed",
    made: now,
    edit: { at: now },
    signoff,
  })
  return id
}

export type Review = {
  item: Item
  signoff: Signoff
  reviewer: string | undefined
}

/**
 * Sign-offs in the document, latest last (by the reviewer's clock). A repeat (the
 * same reviewer signing the very same heads again, as a double tap did) is left out,
 * as the server does (decision 29): the first stands, with its next-review date.
 */
export function reviews(doc: PlanDoc): Review[] {
  const seen = new Set<string>()
  return (doc.sections[REVIEW_LOG] ?? [])
    .filter((i) => i.signoff !== undefined && i.removed === undefined)
    .map((item) => ({
      item,
      signoff: item.signoff as Signoff,
      reviewer: actorOf(item.signoff),
    }))
    .sort((a, b) => a.signoff.at - b.signoff.at)
    .filter((r) => {
      const key = `${r.reviewer ?? ""} ${headsKey(r.signoff.heads)}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

function headsKey(heads: Record<string, string[]>): string {
  return Object.keys(heads)
    .sort()
    .map((d) => `${d}:${[...(heads[d] ?? [])].sort().join(",")}`)
    .join(";")
}

/** The reviewer's note, if they wrote one (an empty note is stored as "Reviewed"). */
export function reviewNote(review: Review): string | undefined {
  const text = review.item.text.trim()
  return text === "" || text === "Reviewed" ? undefined : text
}

/**
 * The calendar day of `at` where this phone is ("YYYY-MM-DD"). Review dates are days the
 * clinician chose, so "today" is the local one: `toISOString` would give UTC's, which in a
 * British summer is still yesterday until 01:00.
 */
export function localDay(at: Date): string {
  const month = String(at.getMonth() + 1).padStart(2, "0")
  const day = String(at.getDate()).padStart(2, "0")
  return `${at.getFullYear()}-${month}-${day}`
}

/** Is the next review (a "YYYY-MM-DD" date) due on `today`, here? */
export function reviewDue(
  nextReview: string | undefined,
  today: Date
): boolean {
  if (!nextReview) return false
  return nextReview <= localDay(today)
}

// --- reading -------------------------------------------------------------

export function visibleItems(doc: PlanDoc, sectionId: string): Item[] {
  return (doc.sections[sectionId] ?? []).filter((i) => i.removed === undefined)
}

export function pendingProposals(doc: PlanDoc, sectionId?: string): Proposal[] {
  return doc.proposals.filter(
    (p) =>
      p.decision === undefined &&
      (sectionId === undefined || p.section === sectionId)
  )
}

/** The actor id (hex) in an Automerge object id "counter@actor". */
export function actorOf(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return undefined
  const id = A.getObjectId(value)
  if (typeof id !== "string") return undefined
  const at = id.indexOf("@")
  return at < 0 ? undefined : id.slice(at + 1)
}

export type Attribution = {
  author: string | undefined
  made: number
  editor: string | undefined
  edited: number
  /** For an accepted suggestion: who accepted it, when, and whether in other words. */
  accepted?: { by: string | undefined; at: number; reworded: boolean }
}

/** Who wrote an item (the proposer, for accepted suggestions) and who changed it last. */
export function attribution(doc: PlanDoc, item: Item): Attribution {
  const proposal =
    item.fromProposal === undefined
      ? undefined
      : doc.proposals.find((p) => p.id === item.fromProposal)
  const by: Attribution = {
    author: actorOf(proposal ?? item),
    made: item.made,
    editor: actorOf(item.edit),
    edited: item.edit.at,
  }
  if (proposal?.decision?.state === "accepted") {
    // The item's map was made by whoever accepted, in the accepting change.
    by.accepted = {
      by: actorOf(item),
      at: proposal.decision.at,
      reworded:
        proposal.text !== item.text ||
        (proposal.phone ?? "") !== (item.phone ?? ""),
    }
  }
  return by
}

export function proposer(p: Proposal): string | undefined {
  return actorOf(p)
}
