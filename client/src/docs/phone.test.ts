import { describe, expect, it } from "vitest"
import { checkPhone, noNumberMessage, shown, smsHref, telHref } from "./phone"
import { template } from "./template"

function dialable(typed: string) {
  const check = checkPhone(typed)
  if (!check.ok)
    throw new Error(`expected ${typed} to be dialable: ${check.problem}`)
  return check
}

function problem(typed: string): string {
  const check = checkPhone(typed)
  if (check.ok) throw new Error(`expected ${typed} to be refused`)
  expect(check.typed).toBe(typed) // what the person typed is kept, word for word
  return check.problem
}

describe("checkPhone", () => {
  it("refuses words that are not a number, and says so", () => {
    expect(problem("call me maybe")).toBe(
      "“call me maybe” is not a phone number: it has no digits."
    )
    expect(
      noNumberMessage({ ok: false, typed: "call me maybe", problem: "" })
    ).toBe("No number that can be dialled: “call me maybe”")
  })

  it("names a letter O typed for a zero instead of dropping it", () => {
    expect(problem("07700 9OO123 ext. 4")).toBe(
      "“07700 9OO123 ext. 4” has the letter O in it; a phone number has only digits (did you mean 0?)."
    )
    expect(problem("0791l 123456")).toContain("the letter l")
  })

  it("normalises a UK mobile to E.164 and offers Call and Text", () => {
    for (const typed of [
      "07911 123456",
      "+44 (0)7911 123-456",
      "0044 7911 123456",
    ]) {
      const check = dialable(typed)
      expect(check.dial).toBe("+447911123456")
      expect(check.display).toBe("07911 123456")
      expect(check.call).toBe(true)
      expect(check.text).toBe(true)
      expect(telHref(check)).toBe("tel:+447911123456")
      expect(smsHref(check)).toBe("sms:+447911123456")
    }
  })

  it("keeps an extension visible but dials the number", () => {
    const check = dialable("07911 123456 ext. 4")
    expect(check.dial).toBe("+447911123456")
    expect(shown(check)).toBe("07911 123456 ext. 4")
  })

  it("offers no Text for a landline or a freephone number", () => {
    const landline = dialable("020 7946 0018")
    expect(landline).toMatchObject({
      dial: "+442079460018",
      call: true,
      text: false,
    })
    expect(dialable("0800 123 4567").text).toBe(false)
  })

  it("accepts international numbers, shown in international form", () => {
    const paris = dialable("+33 6 12 34 56 78")
    expect(paris).toMatchObject({ dial: "+33612345678", text: true })
    expect(paris.display).toBe("+33 6 12 34 56 78")
    expect(dialable("+33 1 23 45 67 89").text).toBe(false)
  })

  it("knows UK service numbers: calls to 999, 111 and 116 123, texts to 85258", () => {
    expect(dialable("999")).toMatchObject({
      dial: "999",
      call: true,
      text: false,
    })
    expect(dialable("111")).toMatchObject({ call: true, text: false })
    expect(dialable("116 123")).toMatchObject({
      dial: "116123",
      display: "116 123",
      call: true,
      text: false,
    })
    expect(dialable("85258")).toMatchObject({ call: false, text: true })
  })

  it("says when a number is too short, too long or not in use", () => {
    expect(problem("07911 12345")).toBe(
      "“07911 12345” is too short for a UK phone number."
    )
    expect(problem("07911 1234567890")).toBe(
      "“07911 1234567890” is too long for a UK phone number."
    )
    // Ofcom keeps 07700 900000-900999 for TV drama: no phone has such a number.
    expect(problem("07700 900123")).toBe(
      "“07700 900123” is not a UK phone number in use; check the digits."
    )
    expect(problem("")).toBe("There is no number.")
  })
})

describe("the template's national crisis lines", () => {
  it("are all dialable, each for what the template offers (call or text)", () => {
    for (const line of template.crisisLines.lines) {
      const check = checkPhone(line.phone)
      expect(check.ok, line.name).toBe(true)
      if (check.ok)
        expect(line.action === "sms" ? check.text : check.call).toBe(true)
    }
  })
})
