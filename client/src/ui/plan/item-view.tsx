/** One item: the words, a call link for contacts, who wrote and changed it. */
import { useEffect, useRef, useState } from "preact/hooks"
import {
  attribution,
  type Fields,
  type Item,
  type PlanDoc,
} from "../../docs/plan"
import type { ItemKind } from "../../docs/template"
import { formatTime, type Names } from "../format"
import { ItemForm } from "./item-form"

export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, "")}`
}

export function Byline({
  names,
  author,
  made,
  editor,
  edited,
  verb = "Added",
}: {
  names: Names
  author: string | undefined
  made: number
  editor?: string | undefined
  edited?: number
  verb?: string
}) {
  const changed =
    editor !== undefined &&
    edited !== undefined &&
    (editor !== author || edited !== made)
  return (
    <p class="byline">
      {verb} by <span class="who">{names.of(author)}</span>, {formatTime(made)}
      {changed ? (
        <>
          {" "}
          · changed by <span class="who">{names.of(editor)}</span>,{" "}
          {formatTime(edited)}
        </>
      ) : null}
    </p>
  )
}

type Props = {
  doc: PlanDoc
  item: Item
  kind: ItemKind
  names: Names
  editable: boolean
  onEdit: (fields: Fields) => void
  onRemove: () => void
}

export function ItemView({
  doc,
  item,
  kind,
  names,
  editable,
  onEdit,
  onRemove,
}: Props) {
  const [editing, setEditing] = useState(false)
  // After Save or Cancel, focus returns to the Edit button it came from.
  const editButton = useRef<HTMLButtonElement>(null)
  const wasEditing = useRef(false)
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus()
    wasEditing.current = editing
  }, [editing])
  const by = attribution(doc, item)
  if (editing) {
    return (
      <li class="item">
        <ItemForm
          kind={kind}
          initial={{ text: item.text, phone: item.phone }}
          label="Edit this item"
          submit="Save"
          onSave={(fields) => {
            onEdit(fields)
            setEditing(false)
          }}
          onCancel={() => setEditing(false)}
        />
      </li>
    )
  }
  return (
    <li class="item" data-item={item.id}>
      <p class="text">{item.text}</p>
      {item.phone ? (
        <p>
          <a class="call" href={telHref(item.phone)}>
            Call {item.phone}
          </a>
        </p>
      ) : null}
      <Byline names={names} {...by} />
      {editable ? (
        <div class="actions">
          <button
            type="button"
            ref={editButton}
            onClick={() => setEditing(true)}
            aria-label={`Edit: ${item.text}`}
          >
            Edit
          </button>
          <button
            type="button"
            class="quiet"
            onClick={onRemove}
            aria-label={`Remove: ${item.text}`}
          >
            Remove
          </button>
        </div>
      ) : null}
    </li>
  )
}
