import { describe, expect, it } from "vitest"
import { normaliseCode } from "./invite-code"

describe("normaliseCode", () => {
  it("takes a code however it is typed", () => {
    for (const typed of [
      "ABCD-EFGH-JKLM-NPQR",
      "abcd-efgh-jklm-npqr",
      "  abcd efgh jklm npqr ",
      "ABCDEFGHJKLMNPQR",
      "abcd\u2013efgh\u2014jklm npqr",
      "https://plan.example/#/join/ABCD-EFGH-JKLM-NPQR",
      "https://plan.example/#/join/abcd%20efgh%20jklm%20npqr",
    ]) {
      expect(normaliseCode(typed), typed).toBe("ABCD-EFGH-JKLM-NPQR")
    }
  })

  it("refuses anything that cannot be a code", () => {
    for (const typed of [
      "",
      "ABCD/EFGH/JKLM/NPQR",
      "ABCD-EFGH-JKLM-NPQ0",
      "ABCD-EFGH-JKLM",
      "ABCD-EFGH-JKLM-NPQR-STUV",
      "x".repeat(10_000),
      "https://plan.example/#/join/",
    ]) {
      expect(normaliseCode(typed), typed).toBeUndefined()
    }
  })
})
