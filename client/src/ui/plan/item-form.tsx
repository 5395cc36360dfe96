/** The form for adding or editing an item (and a phone number for contacts). */
import { useEffect, useRef, useState } from "preact/hooks"
import { checkPhone, shown } from "../../docs/phone"
import { type Fields, MAX_PHONE, MAX_TEXT } from "../../docs/plan"
import type { ItemKind } from "../../docs/template"
import { Notice } from "../action"

const count = new Intl.NumberFormat("en-GB")

/**
 * Keeps a field within `max` characters without cutting silently: the field is not
 * truncated by the browser (no maxLength), so a long paste is cut here and the person is
 * told how much was kept. Returns the value to keep and what to say, if anything.
 */
export function limited(
  value: string,
  max: number,
  what: string
): [string, string] {
  if (value.length <= max) return [value, ""]
  return [
    value.slice(0, max),
    `That was ${count.format(value.length)} characters; ${what} holds ${count.format(max)}, so the first ${count.format(max)} were kept. Check the end still reads right.`,
  ]
}

/** "1,850 of 2,000 characters", shown from 90% of the limit on. */
export function Remaining({ length, max }: { length: number; max: number }) {
  if (length < max * 0.9) return null
  return (
    <p class="muted" aria-live="polite" data-remaining>
      {count.format(length)} of {count.format(max)} characters
    </p>
  )
}

type Props = {
  kind: ItemKind
  initial?: Fields
  label: string
  submit: string
  /** False if it could not be saved: the form keeps what was typed. */
  onSave: (fields: Fields) => unknown
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
  const [id] = useState(() => `f${++counter}`)
  const [cut, setCut] = useState("")
  const [phoneProblem, setPhoneProblem] = useState<string | null>(null)
  const field = useRef<HTMLTextAreaElement>(null)
  // Editing (WCAG 2.4.3): focus goes into the field, and Escape cancels.
  useEffect(() => {
    if (initial !== undefined) field.current?.focus()
  }, [])
  const cancelOnEscape = (event: KeyboardEvent) => {
    if (event.key === "Escape" && onCancel) {
      event.preventDefault()
      onCancel()
    }
  }

  const input = (
    field: HTMLTextAreaElement | HTMLInputElement,
    max: number,
    what: string,
    set: (value: string) => void
  ) => {
    const [kept, told] = limited(field.value, max, what)
    if (kept !== field.value) field.value = kept
    set(kept)
    setCut(told)
  }

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
    const saved = onSave(kind === "contact" ? { text, phone } : { text })
    if (saved !== false) setCut("")
    if (saved !== false && initial === undefined) {
      setText("")
      setPhone("")
    }
  }

  return (
    <form class="item-form" onSubmit={save} onKeyDown={cancelOnEscape}>
      <label for={`${id}-text`}>{label}</label>
      <textarea
        id={`${id}-text`}
        ref={field}
        name="text"
        rows={2}
        required
        value={text}
        aria-describedby={`${id}-limit`}
        onInput={(e) => input(e.currentTarget, MAX_TEXT, "an item", setText)}
      />
      <div id={`${id}-limit`}>
        <Remaining length={text.length} max={MAX_TEXT} />
      </div>
      {kind === "contact" ? (
        <>
          <label for={`${id}-phone`}>Phone number</label>
          <input
            id={`${id}-phone`}
            name="phone"
            type="tel"
            autocomplete="off"
            inputMode="tel"
            value={phone}
            aria-invalid={phoneProblem !== null}
            aria-describedby={`${id}-phone-hint`}
            onInput={(e) => {
              input(e.currentTarget, MAX_PHONE, "a phone number", setPhone)
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
      <Notice>{cut}</Notice>
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
