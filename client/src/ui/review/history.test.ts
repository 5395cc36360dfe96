import { describe, expect, it } from "vitest"
import type { ChangeRecord } from "../../api/review"
import { changeMs, changeWhen, moments } from "./history"

function change(
  hash: string,
  changeTime: string | null,
  receivedAt: string,
  userId = "u-alex"
): ChangeRecord {
  return {
    hash,
    documentId: "doc",
    actorId: "aa",
    seq: 1,
    userId,
    displayName: "Alex",
    role: "person",
    changeTime,
    receivedAt,
  }
}

describe("the times of the change log", () => {
  it("places a change at its own time, as the server reports it", () => {
    const c = change("h1", "2026-01-21T18:54:00Z", "2026-01-21T18:54:02Z")
    expect(changeMs(c)).toBe(Date.UTC(2026, 0, 21, 18, 54))
    expect(changeWhen(c)).toMatch(/2026/)
  })

  it("places a change with no time where it reached the server, and says so", () => {
    const c = change("h1", null, "2026-01-21T18:54:02Z")
    expect(changeMs(c)).toBe(Date.UTC(2026, 0, 21, 18, 54, 2))
    expect(changeWhen(c)).toMatch(/^reached the server .*2026/)
    expect(changeWhen(c)).not.toMatch(/1970/)
  })

  it("groups a person's changes minutes apart into one moment, days apart into two", () => {
    const found = moments([
      change("h1", "2026-01-20T09:00:00Z", "2026-01-20T09:00:01Z"),
      change("h2", "2026-01-21T18:50:00Z", "2026-01-21T18:50:01Z"),
      change("h3", null, "2026-01-21T18:54:00Z"),
    ])
    expect(found.map((m) => m.label)).toEqual([
      expect.stringMatching(/^Alex, reached the server .*2026, .*: 2 changes$/),
      expect.stringMatching(/^Alex, 20 Jan 2026, .*: 1 change$/),
    ])
    expect(found[0]?.heads).toEqual({ doc: ["h1", "h2", "h3"] })
  })
})
