/** The review API (docs/review-api.md): sign-offs and the digest of changes since one. */
import { api, call } from "./client"

export type ReviewRecord = {
  id: string
  documentId: string
  reviewerId: string | null
  reviewerName: string | null
  note: string
  nextReview: string | null
  reviewedAt: string
  receivedAt: string
  heads: Record<string, string[]>
}

export type DigestText = { text: string; phone: string | null }

export type DigestEntry = {
  kind:
    | "added"
    | "edited"
    | "removed"
    | "restored"
    | "proposed"
    | "proposal-edited"
    | "accepted"
    | "declined"
    | "withdrawn"
    | "reviewed"
  documentId: string
  sectionId: string
  sectionTitle: string
  itemId: string
  before: DigestText | null
  after: DigestText | null
  changeTime: string
  receivedAt: string
  hash: string
}

export type DigestVersion = {
  userId: string | null
  displayName: string | null
  role: string | null
  text: DigestText | null
  removed: boolean
  changeTime: string
  receivedAt: string
  hash: string
}

export type DigestConflict = {
  kind: "concurrent-edits" | "edit-and-removal"
  documentId: string
  sectionId: string
  sectionTitle: string
  itemId: string
  base: DigestText | null
  versions: DigestVersion[]
  merged: DigestText
  removed: boolean
}

export type PersonChanges = {
  userId: string | null
  displayName: string | null
  role: string | null
  entries: DigestEntry[]
}

export type Digest = {
  since: ReviewRecord | null
  until: Record<string, string[]>
  conflicts: DigestConflict[]
  people: PersonChanges[]
}

export type ChangeRecord = {
  hash: string
  documentId: string
  actorId: string
  seq: number
  userId: string | null
  displayName: string | null
  role: string | null
  changeTime: string
  receivedAt: string
}

const q = encodeURIComponent

export const reviewApi = {
  reviews: (planId: string) =>
    call<ReviewRecord[]>("GET", `/api/plans/${q(planId)}/reviews`),
  digest: (planId: string, since?: string) =>
    call<Digest>(
      "GET",
      `/api/plans/${q(planId)}/digest${since ? `?since=${q(since)}` : ""}`
    ),
  changes: (planId: string) =>
    call<ChangeRecord[]>("GET", `/api/plans/${q(planId)}/changes`),
  exportUrl: (planId: string) => `/api/plans/${q(planId)}/export`,
}

export { api }
