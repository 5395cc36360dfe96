/** One section of one document: its items, pending suggestions, and the add form. */
import type { DocHandle } from "@automerge/automerge-repo"
import type { Role } from "../../api/client"
import {
  addItem,
  editItem,
  isChangeable,
  type PlanDoc,
  propose,
  removeItem,
  visibleItems,
} from "../../docs/plan"
import { canPropose, canWrite, type Section } from "../../docs/template"
import type { Session } from "../../plans/session"
import { Notice } from "../action"
import type { Names } from "../format"
import { ItemForm } from "./item-form"
import { ItemView } from "./item-view"
import { SuggestionList, useDocEdit } from "./suggestion-list"

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
  const { edit, error } = useDocEdit(session, handle)
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
      <SuggestionList
        session={session}
        handle={handle}
        doc={doc}
        sectionId={section.id}
        kind={section.itemKind}
        heading={heading}
        role={role}
        names={names}
        readOnly={readOnly}
      />
      <Notice>{error}</Notice>
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
