/**
 * Plans as the app uses them: one Automerge document per audience, found
 * through the server's list (remembered for offline use). Creating a plan and
 * joining one are the two ways documents come into being.
 */

import * as A from "@automerge/automerge"
import type { DocHandle, DocumentId } from "@automerge/automerge-repo"
import {
  ApiError,
  api,
  type Plan,
  type PlanDocument,
  type Role,
  Unreachable,
} from "../api/client"
import { NOT_A_CODE, normaliseCode } from "../api/invite-code"
import { newPlanDoc, type PlanDoc } from "../docs/plan"
import { type AudienceKind, audienceKind } from "../docs/template"
import type { Session } from "./session"

export type OpenDocument = {
  audience: string
  kind: AudienceKind
  handle: DocHandle<PlanDoc>
}

export type OpenPlan = {
  plan: Plan
  role: Role
  documents: OpenDocument[]
}

/** Applies a change and remembers the actor, so our own edits are "you" offline. */
export function change(
  session: Session,
  handle: DocHandle<PlanDoc>,
  fn: (doc: PlanDoc) => void
): void {
  handle.change(fn)
  session.store.addActor(A.getActorId(handle.doc()))
  // Written to IndexedDB now, not after automerge-repo's save throttle: the
  // phone may be put away (or the tab closed) the moment after a tap.
  session.repo.flush([handle.documentId]).catch((error: unknown) => {
    console.error("could not save on this device", error)
  })
}

function create(session: Session, kind: AudienceKind): DocHandle<PlanDoc> {
  const handle = session.repo.create<PlanDoc>(newPlanDoc(kind))
  session.store.addActor(A.getActorId(handle.doc()))
  return handle
}

async function refreshPlans(session: Session): Promise<Plan[]> {
  const plans = await api.plans()
  session.store.plans = plans
  return plans
}

export async function createPlan(
  session: Session,
  title: string
): Promise<Plan> {
  const root = create(session, "everyone")
  const plan = await api.createPlan(root.documentId, title)
  await refreshPlans(session)
  await ensureOwnDocuments(session, plan, [
    { documentId: root.documentId, audience: "everyone" },
  ])
  return plan
}

export async function joinPlan(session: Session, code: string): Promise<Plan> {
  const normal = normaliseCode(code)
  if (normal === undefined) throw new Error(NOT_A_CODE)
  const accepted = await api.acceptInvite(normal)
  const plans = await refreshPlans(session)
  const plan = plans.find((p) => p.id === accepted.planId)
  if (plan === undefined)
    throw new Error("The plan did not appear after joining.")
  await ensureOwnDocuments(session, plan, await api.documents(plan.id))
  return plan
}

/**
 * The documents this member is responsible for creating: the person's private
 * and clinical ones, a carer's own notes. Repairs a plan whose creation was
 * interrupted. Needs the server; returns the full list.
 */
async function ensureOwnDocuments(
  session: Session,
  plan: Plan,
  known: PlanDocument[]
): Promise<PlanDocument[]> {
  const wanted: { kind: AudienceKind; audience: string }[] =
    plan.role === "person"
      ? [
          { kind: "person", audience: "person" },
          { kind: "clinicians", audience: "clinicians" },
        ]
      : plan.role === "carer"
        ? [{ kind: "carer", audience: `carer:${session.account.id}` }]
        : []
  const documents = [...known]
  for (const { kind, audience } of wanted) {
    if (documents.some((d) => d.audience === audience)) continue
    const handle = create(session, kind)
    documents.push(
      await api.registerDocument(plan.id, handle.documentId, audience)
    )
  }
  session.store.setDocuments(plan.id, documents)
  return documents
}

/** The plan's documents: remembered ones at once, the server's list when reachable. */
export async function planDocuments(
  session: Session,
  plan: Plan,
  refresh: boolean
): Promise<PlanDocument[]> {
  const cached = session.store.documents(plan.id)
  if (!refresh && cached.length > 0) return cached
  try {
    return await ensureOwnDocuments(session, plan, await api.documents(plan.id))
  } catch (error) {
    // Offline, or signed out on the server: the phone's copy is still the plan.
    const local =
      error instanceof Unreachable ||
      (error instanceof ApiError && error.status === 401)
    if (local && cached.length > 0) return cached
    throw error
  }
}

export async function openDocuments(
  session: Session,
  documents: PlanDocument[]
): Promise<OpenDocument[]> {
  const open: OpenDocument[] = []
  for (const d of documents) {
    const kind = audienceKind(d.audience)
    if (kind === undefined) continue
    const handle = await session.repo.find<PlanDoc>(
      d.documentId as DocumentId,
      {
        allowableStates: ["ready", "unavailable"],
      }
    )
    open.push({ audience: d.audience, kind, handle })
  }
  return open
}

/**
 * The server says this account is no longer in the plan (revoked): its copy
 * leaves this phone, as the person who withdrew access would expect.
 */
export function forgetPlan(session: Session, plan: Plan): void {
  for (const { documentId } of session.store.documents(plan.id)) {
    session.repo.delete(documentId as DocumentId)
  }
  session.store.forgetPlan(plan.id)
}

export function findPlan(session: Session, planId: string): Plan | undefined {
  return session.store.plans.find((p) => p.id === planId)
}

export { refreshPlans }
