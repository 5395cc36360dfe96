/** A section's pending suggestions with what this member may do with each (accept, edit and
 * accept, decline; edit or withdraw their own): in the section, and in the list of all. */
import type { DocHandle } from "@automerge/automerge-repo"
import { useState } from "preact/hooks"
import type { Role } from "../../api/client"
import {
  acceptProposal,
  declineProposal,
  editProposal,
  type PlanDoc,
  pendingProposals,
  withdrawProposal,
} from "../../docs/plan"
import type { ItemKind } from "../../docs/template"
import { change } from "../../plans/plans"
import type { Session } from "../../plans/session"
import { Notice } from "../action"
import type { Names } from "../format"
import { ProposalView } from "./proposal-view"

/** A change to the document; if it cannot be made, `error` says why (never silent). */
export function useDocEdit(session: Session, handle: DocHandle<PlanDoc>) {
  const [error, setError] = useState("")
  const edit = (fn: (d: PlanDoc, now: number) => void, failure?: string) => {
    setError("")
    try {
      change(session, handle, (d) => fn(d, Date.now()))
      return true
    } catch (e) {
      setError(
        failure ??
          `That could not be saved: ${e instanceof Error ? e.message : String(e)}.`
      )
      return false
    }
  }
  return { edit, error }
}

type Props = {
  session: Session
  handle: DocHandle<PlanDoc>
  doc: PlanDoc
  sectionId: string
  kind: ItemKind
  heading: string
  role: Role
  names: Names
  readOnly: boolean
}

export function SuggestionList({
  session,
  handle,
  doc,
  sectionId,
  kind,
  heading,
  role,
  names,
  readOnly,
}: Props) {
  // A suggestion being put into the person's own words stays on screen even if it is
  // withdrawn meanwhile on another phone: they are told, and keep what they wrote.
  const [editing, setEditing] = useState<ReadonlySet<string>>(new Set())
  const { edit, error } = useDocEdit(session, handle)
  const proposals = [
    ...pendingProposals(doc, sectionId),
    ...doc.proposals.filter(
      (p) =>
        p.section === sectionId && p.decision !== undefined && editing.has(p.id)
    ),
  ]
  const editingChanged = (id: string, on: boolean) =>
    setEditing((now) => {
      const next = new Set(now)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })
  const gone = (p: { decision?: { state: string } }, verb: string) =>
    p.decision?.state === "withdrawn"
      ? `This suggestion was withdrawn on another phone, so it cannot be ${verb}.`
      : `This suggestion was already decided on another phone, so it cannot be ${verb}.`
  return (
    <>
      {proposals.length > 0 ? (
        <ul class="proposals" aria-label={`Suggestions for ${heading}`}>
          {proposals.map((p) => (
            <ProposalView
              key={p.id}
              proposal={p}
              kind={kind}
              names={names}
              actions={
                readOnly
                  ? undefined
                  : {
                      decides: role === "person",
                      onEditing: (on) => editingChanged(p.id, on),
                      onAccept: (fields) =>
                        edit(
                          (d, now) => {
                            acceptProposal(d, p.id, now, fields)
                          },
                          fields
                            ? `${gone(p, "accepted")} What you wrote is still below: copy it into your own list to keep it.`
                            : gone(p, "accepted")
                        ),
                      onDecline: () =>
                        edit(
                          (d, now) => declineProposal(d, p.id, now),
                          gone(p, "declined")
                        ),
                      onEdit: (fields) =>
                        edit(
                          (d, now) => editProposal(d, p.id, fields, now),
                          gone(p, "edited")
                        ),
                      onWithdraw: () =>
                        edit(
                          (d, now) => withdrawProposal(d, p.id, now),
                          gone(p, "withdrawn")
                        ),
                    }
              }
            />
          ))}
        </ul>
      ) : null}
      <Notice>{error}</Notice>
    </>
  )
}
