/**
 * Call and Text buttons for a contact's number, wherever a number is shown (the plan,
 * the crisis card). Every number is checked here when shown (docs/phone.ts), including
 * numbers typed on another phone or in an older version, so no button dials nothing or
 * the wrong number: each button shows the number it dials, Text appears only for
 * numbers that take texts, and a number that cannot be dialled is named as such.
 */
import {
  checkPhone,
  noNumberMessage,
  shown,
  smsHref,
  telHref,
} from "../docs/phone"

export function PhoneActions({
  name,
  phone,
  big = false,
}: {
  /** Who or what the number reaches, for the buttons' accessible names. */
  name: string
  phone: string
  big?: boolean
}) {
  const check = checkPhone(phone)
  if (!check.ok) {
    return (
      <p class="no-number" data-no-number>
        {noNumberMessage(check)}
      </p>
    )
  }
  const number = shown(check)
  const size = big ? " big" : ""
  return (
    <span class="contact-actions">
      {check.call ? (
        <a
          class={`call${size}`}
          href={telHref(check)}
          aria-label={`Call ${number}, ${name}`}
        >
          Call <span class="number">{number}</span>
        </a>
      ) : null}
      {check.text ? (
        <a
          class={`text-link${size}`}
          href={smsHref(check)}
          aria-label={`Text ${number}, ${name}`}
        >
          Text <span class="number">{number}</span>
        </a>
      ) : null}
    </span>
  )
}
