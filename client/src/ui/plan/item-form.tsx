/** The form for adding or editing an item (and a phone number for contacts). */
import { useState } from "preact/hooks"
import { checkPhone, shown } from "../../docs/phone"
import { type Fields, MAX_PHONE, MAX_TEXT } from "../../docs/plan"
import type { ItemKind } from "../../docs/template"

type Props = {
  kind: ItemKind
  initial?: Fields
  label: string
  submit: string
  onSave: (fields: Fields) => void
  onCancel?: () => void
}

let counter = 0

export function ItemForm({
  kind,
  initial,
  label,
  submit,
  onSave,
  onCancel,
}: Props) {
  const [text, setText] = useState(initial?.text ?? "")
  const [phone, setPhone] = useState(initial?.phone ?? "")
  const [phoneProblem, setPhoneProblem] = useState<string | null>(null)
  const [id] = useState(() => `f${++counter}`)

  const save = (event: Event) => {
    event.preventDefault()
    if (text.trim() === "") return
    if (kind === "contact" && phone.trim() !== "") {
      // The same check the card makes when it shows the number (docs/phone.ts). What
      // was typed stays in the field, untouched, for the person to correct.
      const check = checkPhone(phone)
      if (!check.ok) {
        setPhoneProblem(
          `${check.problem} Correct it, or leave the number empty to save without one.`
        )
        const field = (
          event.currentTarget as HTMLFormElement
        ).elements.namedItem("phone")
        if (field instanceof HTMLInputElement) field.focus()
        return
      }
    }
    setPhoneProblem(null)
    onSave(kind === "contact" ? { text, phone } : { text })
    if (initial === undefined) {
      setText("")
      setPhone("")
    }
  }

  return (
    <form class="item-form" onSubmit={save}>
      <label for={`${id}-text`}>{label}</label>
      <textarea
        id={`${id}-text`}
        name="text"
        rows={2}
        required
        maxLength={MAX_TEXT}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      {kind === "contact" ? (
        <>
          <label for={`${id}-phone`}>Phone number</label>
          <input
            id={`${id}-phone`}
            name="phone"
            type="tel"
            autocomplete="off"
            inputMode="tel"
            maxLength={MAX_PHONE}
            value={phone}
            aria-invalid={phoneProblem !== null}
            aria-describedby={`${id}-phone-hint`}
            onInput={(e) => {
              setPhone(e.currentTarget.value)
              setPhoneProblem(null)
            }}
          />
          <p
            id={`${id}-phone-hint`}
            class={phoneProblem ? "field-error" : "hint"}
            role={phoneProblem ? "alert" : undefined}
          >
            {phoneProblem ?? phoneHint(phone)}
          </p>
        </>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary">
          {submit}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  )
}

/** While typing: what the number will do once saved, or how to write one. */
function phoneHint(phone: string): string {
  const check = phone.trim() === "" ? null : checkPhone(phone)
  if (check?.ok) {
    const what = check.text
      ? "Call and Text"
      : check.call
        ? "Call only"
        : "Text only"
    return `${what}: ${shown(check)}`
  }
  return "A UK number, or one starting with + and the country code."
}
