/**
 * Phone numbers: is this something a phone can dial, and can it take a text?
 *
 * One check for every place a number is typed (the item form) or shown (the plan,
 * the crisis card). Numbers are stored exactly as the person typed them; this module
 * never rewrites them. It only decides what a Call or Text button may do, and says in
 * plain words what is wrong when the answer is "nothing". Numbers that arrive from
 * another phone or an older version of the app (which stored any text up to 40
 * characters, and the server still accepts that) go through the same check when shown.
 *
 * The rules (decision 26 in docs/decisions.md):
 * - UK by default; a number starting with + (or 00) may be from any country.
 * - Letters are refused, naming the letter ("07700 9OO123" has a letter O, not a 0),
 *   except an extension ("ext. 4", "x4"), which is shown but not dialled.
 * - A number must be one the library's metadata (libphonenumber-js, Google's
 *   libphonenumber data) knows is in use: right length and an allocated range.
 * - Short service numbers (999, 111, 116 123, 85258 ...) are not in that metadata:
 *   libphonenumber-js has no short-number data, so the UK ones the app knows are listed
 *   below, each with whether it takes calls, texts, or both.
 * - Text is offered only where a number can take texts: mobile numbers (and numbers the
 *   metadata cannot tell apart from mobiles, such as the US's). A landline or a freephone
 *   number cannot receive an SMS, and a text to 999 or 111 goes nowhere, so a Text button
 *   there would look like help and be none.
 */
import {
  type CountryCode,
  getCountryCallingCode,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from "libphonenumber-js/max"

export const DEFAULT_COUNTRY: CountryCode = "GB"

export type Dialable = {
  ok: true
  /** What `tel:` and `sms:` links use: E.164 (+447911123456), or the short code itself. */
  dial: string
  /** How the number is shown on buttons: the national form for UK numbers. */
  display: string
  /** "ext. 4": shown next to the number; the person dials it after being connected. */
  extension?: string
  call: boolean
  text: boolean
}

export type NotDialable = { ok: false; typed: string; problem: string }

export type PhoneCheck = Dialable | NotDialable

type ServiceNumber = { display: string; call: boolean; text: boolean }

/**
 * UK service numbers shorter than any subscriber number. Whether each takes texts is
 * fixed by the service, not by the number's shape: 999 and 112 take texts only from
 * phones pre-registered with emergencySMS, which the app cannot know, so the card
 * offers a call; Shout (85258) is text only.
 */
const UK_SERVICE_NUMBERS: Record<string, ServiceNumber> = {
  "999": { display: "999", call: true, text: false },
  "112": { display: "112", call: true, text: false },
  "111": { display: "111", call: true, text: false },
  "101": { display: "101", call: true, text: false },
  "116123": { display: "116 123", call: true, text: false },
  "116111": { display: "116 111", call: true, text: false },
  "85258": { display: "85258", call: false, text: true },
}

/** Characters a phone number is written with besides digits. */
const PUNCTUATION = /[\s()+\-./]/gu
/** An extension at the end: "ext 4", "ext. 4", "extension 4", "x4", "#4". */
const EXTENSION = /\s*(?:ext(?:ension)?\.?|x|#)\s*(\d{1,6})\s*$/iu

const LOOKALIKE: Record<string, string> = {
  o: "0",
  O: "0",
  l: "1",
  I: "1",
  i: "1",
  S: "5",
  s: "5",
  B: "8",
}

function quoted(typed: string): string {
  return `“${typed}”`
}

function notDialable(typed: string, problem: string): NotDialable {
  return { ok: false, typed, problem }
}

/** Check a number as typed; `typed` is not changed, only read. */
export function checkPhone(
  typed: string,
  country: CountryCode = DEFAULT_COUNTRY
): PhoneCheck {
  const trimmed = typed.trim()
  if (trimmed === "") return notDialable(typed, "There is no number.")
  const match = EXTENSION.exec(trimmed)
  const main = match ? trimmed.slice(0, match.index) : trimmed
  const extension = match ? `ext. ${match[1]}` : undefined

  if (!/\d/u.test(main)) {
    return notDialable(
      typed,
      `${quoted(typed)} is not a phone number: it has no digits.`
    )
  }
  const strange = main.replace(PUNCTUATION, "").replace(/\d/gu, "")
  if (strange !== "") {
    const first = [...strange][0] ?? ""
    const guess = LOOKALIKE[first]
    const what = /\p{L}/u.test(first) ? `the letter ${first}` : `“${first}”`
    return notDialable(
      typed,
      `${quoted(typed)} has ${what} in it; a phone number has only digits` +
        (guess ? ` (did you mean ${guess}?).` : ".")
    )
  }

  const digits = main.replace(/\D/gu, "")
  const service =
    country === "GB" && !main.includes("+")
      ? UK_SERVICE_NUMBERS[digits]
      : undefined
  if (service) {
    return { ok: true, dial: digits, ...service }
  }

  let parsed: ReturnType<typeof parsePhoneNumberWithError>
  try {
    parsed = parsePhoneNumberWithError(main, country)
  } catch {
    return notDialable(typed, `${quoted(typed)} is not a phone number.`)
  }
  const home = getCountryCallingCode(country)
  if (!parsed.isValid()) {
    const length = validatePhoneNumberLength(main, country)
    const place =
      parsed.countryCallingCode === home && country === "GB" ? "a UK" : "a"
    // UK mobiles (07...) always have 11 digits; the library's length check allows 10
    // because some UK landlines have 10.
    const ukMobile =
      parsed.countryCallingCode === "44" &&
      parsed.nationalNumber.startsWith("7")
    const short =
      length === "TOO_SHORT" || (ukMobile && parsed.nationalNumber.length < 10)
    const long =
      length === "TOO_LONG" || (ukMobile && parsed.nationalNumber.length > 10)
    if (short) {
      return notDialable(
        typed,
        `${quoted(typed)} is too short for ${place} phone number.`
      )
    }
    if (long) {
      return notDialable(
        typed,
        `${quoted(typed)} is too long for ${place} phone number.`
      )
    }
    if (length === "INVALID_COUNTRY") {
      return notDialable(
        typed,
        `${quoted(typed)} does not start with a known country code.`
      )
    }
    return notDialable(
      typed,
      `${quoted(typed)} is not ${place} phone number in use; check the digits.`
    )
  }
  const type = parsed.getType()
  const mobile = type === "MOBILE" || type === "FIXED_LINE_OR_MOBILE"
  // National form for numbers in the home country (Jersey's 07797 is +44 too).
  const display =
    parsed.countryCallingCode === home
      ? parsed.formatNational()
      : parsed.formatInternational()
  return {
    ok: true,
    dial: parsed.number,
    display,
    ...(extension ? { extension } : {}),
    call: true,
    text: mobile,
  }
}

/** The number as shown on a button: "07911 123456", "07911 123456 ext. 4". */
export function shown(check: Dialable): string {
  return check.extension ? `${check.display} ${check.extension}` : check.display
}

export function telHref(check: Dialable): string {
  return `tel:${check.dial}`
}

export function smsHref(check: Dialable, body?: string): string {
  return body
    ? `sms:${check.dial}?&body=${encodeURIComponent(body)}`
    : `sms:${check.dial}`
}

/** What the card says instead of a button: "No number that can be dialled: “call me maybe”". */
export function noNumberMessage(check: NotDialable): string {
  return `No number that can be dialled: ${quoted(check.typed)}`
}
