import { describe, expect, it } from "vitest"
import type { MembershipEvent } from "../../api/review"
import { membershipLine } from "./membership"

function event(overrides: Partial<MembershipEvent>): MembershipEvent {
  return {
    kind: "joined",
    userId: "u-cat",
    displayName: "Cat",
    role: "carer",
    previousRole: null,
    byId: "u-cat",
    byName: "Cat",
    at: "2026-01-21T18:54:00Z",
    ...overrides,
  }
}

describe("membership lines", () => {
  it("say who joined, as what, and what they were before", () => {
    expect(membershipLine(event({}))).toBe("Cat joined as carer")
    expect(
      membershipLine(event({ role: "clinician", previousRole: "carer" }))
    ).toBe("Cat joined as clinician (before: carer)")
  })

  it("say who removed whom, and who left, named or not", () => {
    expect(
      membershipLine(event({ kind: "removed", byId: "u-pat", byName: "Pat" }))
    ).toBe("Pat removed Cat (carer)")
    expect(
      membershipLine(
        event({ kind: "left", role: "viewer", displayName: null, byName: null })
      )
    ).toBe("A former viewer left: they deleted their account")
  })
})
