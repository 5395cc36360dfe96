/** The review API (docs/review-api.md): sign-offs and the digest of changes since one. */
import { call } from "./client"
import type { components } from "./schema.gen"

type Schemas = components["schemas"]
export type ReviewRecord = Schemas["Review"]
export type DigestText = Schemas["Text"]
export type DigestEntry = Schemas["Entry"]
export type DigestVersion = Schemas["Version"]
export type DigestConflict = Schemas["Conflict"]
export type PersonChanges = Schemas["PersonChanges"]
export type Digest = Schemas["Digest"]
export type ChangeRecord = Schemas["Change"]
export type MembershipEvent = Schemas["MembershipEvent"]
export type Caseload = Schemas["Caseload"]
export type CaseloadPlan = Schemas["CaseloadPlan"]

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
  membership: (planId: string) =>
    call<MembershipEvent[]>("GET", `/api/plans/${q(planId)}/membership`),
  exportUrl: (planId: string) => `/api/plans/${q(planId)}/export`,
  /** Every plan this account is a clinician of, in figures (docs/review-api.md). */
  caseload: () => call<Caseload>("GET", "/api/caseload"),
}
