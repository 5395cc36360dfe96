import * as A from "@automerge/automerge"
import { encodeHeads } from "@automerge/automerge-repo"
import { describe, expect, it } from "vitest"
import { hasUnacknowledged } from "./status"

type Doc = { notes: string[] }
const PHONE = "aa".repeat(16)
const CARER = "bb".repeat(16)

function start(): A.Doc<Doc> {
  return A.change(A.init<Doc>({ actor: PHONE }), (d) => {
    d.notes = []
  })
}

describe("changes the server has not acknowledged", () => {
  it("are this phone's changes beyond the server's heads", () => {
    const acked = start()
    const mine = A.change(acked, (d) => {
      d.notes.push("offline")
    })
    expect(
      hasUnacknowledged(mine, encodeHeads(A.getHeads(acked)), [PHONE])
    ).toBe(true)
    expect(
      hasUnacknowledged(mine, encodeHeads(A.getHeads(mine)), [PHONE])
    ).toBe(false)
  })

  it("never include changes that came from someone else", () => {
    const acked = start()
    const theirs = A.change(A.clone(acked, { actor: CARER }), (d) => {
      d.notes.push("from the carer")
    })
    const received = A.merge(A.clone(acked), theirs)
    expect(
      hasUnacknowledged(received, encodeHeads(A.getHeads(acked)), [PHONE])
    ).toBe(false)
  })

  it("count as unsaved when the server's heads are unknown here", () => {
    const mine = start()
    expect(
      hasUnacknowledged(mine, encodeHeads(["00".repeat(32)]), [PHONE])
    ).toBe(true)
    expect(hasUnacknowledged(mine, [], [PHONE])).toBe(true)
  })
})
