/** One item: the words, a call link for contacts, who wrote and changed it. */
import { useEffect, useRef, useState } from "preact/hooks"
import {
  type Attribution,
  attribution,
  type Fields,
  type Item,
  type PlanDoc,
} from "../../docs/plan"
import type { ItemKind } from "../../docs/template"
import { formatTime, type Names } from "../format"
import { PhoneActions } from "../phone-actions"
import { ItemForm } from "./item-form"

export function Byline({
  names,
  author,
  made,
  editor,
  edited,
  accepted,
  verb = "Added",
}: {
  names: Names
  author: string | undefined
  made: number
  editor?: string | undefined
  edited?: number
  accepted?: Attribution["accepted"]
  verb?: string
}) {
  // Accepting a suggestion is not a change of it: only a later edit is.
  const changed =
    editor !== undefined &&
    edited !== undefined &&
    (accepted !== undefined
      ? edited !== accepted.at || editor !== accepted.by
      : editor !== author || edited !== made)
  return (
    <p class="byline">
      {accepted ? "Suggested" : verb} by{" "}
      <span class="who">{names.of(author)}</span>, {formatTime(made)}
      {accepted ? (
        <>
          {" "}
          · accepted by <span class="who">{names.of(accepted.by)}</span>
          {accepted.reworded
            ? names.isMine(accepted.by)
              ? " in your own words"
              : " in their own words"
            : ""}
          , {formatTime(accepted.at)}
        </>
      ) : null}
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
  /** Without actions (read-only, a past version) the item has no control. */
  actions: ItemActions | undefined
}

/** What a member may do with an item. */
export type ItemActions = {
  onEdit: (fields: Fields) => void
  onRemove: () => void
}

export function ItemView({ doc, item, kind, names, actions }: Props) {
  const [editing, setEditing] = useState(false)
  // After Save or Cancel, focus returns to the Edit button it came from.
  const editButton = useRef<HTMLButtonElement>(null)
  const wasEditing = useRef(false)
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus()
    wasEditing.current = editing
  }, [editing])
  const by = attribution(doc, item)
  if (editing && actions !== undefined) {
    const { onEdit } = actions
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
        <div class="phone-line">
          <PhoneActions name={item.text} phone={item.phone} />
        </div>
      ) : null}
      <Byline names={names} {...by} />
      {actions !== undefined ? (
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
            onClick={actions.onRemove}
            aria-label={`Remove: ${item.text}`}
          >
            Remove
          </button>
        </div>
      ) : null}
    </li>
  )
}
