/** One section of one document: its items, pending suggestions, and the add form. */
import type { DocHandle } from "@automerge/automerge-repo"
import {
  acceptProposal,
  addItem,
  declineProposal,
  editItem,
  editProposal,
  isChangeable,
  type PlanDoc,
  pendingProposals,
  propose,
  removeItem,
  visibleItems,
  withdrawProposal,
} from "../../docs/plan"
import {
  canPropose,
  canWrite,
  type Role,
  type Section,
} from "../../docs/template"
import { change } from "../../plans/plans"
import type { Session } from "../../plans/session"
import type { Names } from "../format"
import { ItemForm } from "./item-form"
import { ItemView } from "./item-view"
import { ProposalView } from "./proposal-view"

type Props = {
  session: Session
  section: Section
  heading: string
  handle: DocHandle<PlanDoc>
  doc: PlanDoc
  role: Role
  names: Names
  /**
   * A past version: no control that changes anything is rendered, whatever
   * the role (the children get no actions at all, so none can be offered).
   */
  readOnly?: boolean
}

export function SectionView({
  session,
  section,
  heading,
  handle,
  doc,
  role,
  names,
  readOnly = false,
}: Props) {
  const writes = !readOnly && canWrite(role, section)
  const proposes = !readOnly && canPropose(role, section)
  const items = visibleItems(doc, section.id)
  const proposals = pendingProposals(doc, section.id)
  const edit = (fn: (d: PlanDoc, now: number) => void) =>
    change(session, handle, (d) => fn(d, Date.now()))
  const titleId = `section-${section.id}-${handle.documentId}`

  return (
    <section
      class="section"
      aria-labelledby={titleId}
      data-section={section.id}
    >
      <h2 id={titleId}>{heading}</h2>
      <p class="prompt">{section.prompt}</p>
      {items.length > 0 ? (
        <ul class="items">
          {items.map((item) => (
            <ItemView
              key={item.id}
              doc={doc}
              item={item}
              kind={section.itemKind}
              names={names}
              actions={
                writes && isChangeable(item)
                  ? {
                      onEdit: (fields) =>
                        edit((d, now) =>
                          editItem(d, section.id, item.id, fields, now)
                        ),
                      onRemove: () =>
                        edit((d, now) =>
                          removeItem(d, section.id, item.id, now)
                        ),
                    }
                  : undefined
              }
            />
          ))}
        </ul>
      ) : (
        <p class="empty">Nothing here yet.</p>
      )}
      {proposals.length > 0 ? (
        <ul class="proposals" aria-label={`Suggestions for ${heading}`}>
          {proposals.map((p) => (
            <ProposalView
              key={p.id}
              proposal={p}
              kind={section.itemKind}
              names={names}
              actions={
                readOnly
                  ? undefined
                  : {
                      decides: role === "person",
                      onAccept: (fields) =>
                        edit((d, now) => {
                          acceptProposal(d, p.id, now, fields)
                        }),
                      onDecline: () =>
                        edit((d, now) => declineProposal(d, p.id, now)),
                      onEdit: (fields) =>
                        edit((d, now) => editProposal(d, p.id, fields, now)),
                      onWithdraw: () =>
                        edit((d, now) => withdrawProposal(d, p.id, now)),
                    }
              }
            />
          ))}
        </ul>
      ) : null}
      {writes ? (
        <ItemForm
          kind={section.itemKind}
          label={`Add to “${heading}”`}
          submit="Add"
          onSave={(fields) =>
            edit((d, now) => {
              addItem(d, section.id, fields, now)
            })
          }
        />
      ) : proposes ? (
        <ItemForm
          kind={section.itemKind}
          label={`Suggest something for “${heading}” (they decide whether to add it)`}
          submit="Suggest"
          onSave={(fields) =>
            edit((d, now) => {
              propose(d, section.id, fields, now)
            })
          }
        />
      ) : null}
    </section>
  )
}
