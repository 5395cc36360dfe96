import * as A from "@automerge/automerge"
import { describe, expect, it } from "vitest"
import {
  acceptProposal,
  addItem,
  attribution,
  declineProposal,
  editItem,
  editProposal,
  type Item,
  isChangeable,
  localDay,
  MAX_PHONE,
  newPlanDoc,
  type PlanDoc,
  pendingProposals,
  propose,
  removeItem,
  restoreItem,
  reviewDue,
  reviews,
  signOff,
  visibleItems,
  withdrawProposal,
} from "./plan"

const PERSON = "aa".repeat(16)
const CARER = "bb".repeat(16)

/**
 * A new plan by the person. Two calls make two different first changes by the same actor
 * (their times differ), which cannot be merged: fork one start() for concurrent edits.
 */
function start(): A.Doc<PlanDoc> {
  return A.from(newPlanDoc("everyone"), { actor: PERSON })
}

function forkAs(doc: A.Doc<PlanDoc>, actor: string): A.Doc<PlanDoc> {
  return A.clone(doc, { actor })
}

function texts(doc: PlanDoc, section: string): string[] {
  return visibleItems(doc, section).map((i) => i.text)
}

describe("new documents", () => {
  it("hold exactly the sections of their audience", () => {
    expect(Object.keys(newPlanDoc("everyone").sections)).toContain(
      "warning-signs"
    )
    expect(Object.keys(newPlanDoc("everyone").sections)).not.toContain(
      "reasons"
    )
    expect(Object.keys(newPlanDoc("person").sections)).toEqual(["reasons"])
    expect(Object.keys(newPlanDoc("carer").sections)).toEqual(["carer-notes"])
  })
})

describe("items", () => {
  it("are added in the writer's words and attributed to their actor", () => {
    const doc = A.change(start(), (d) => {
      addItem(d, "coping", { text: "  Walk the dog  " }, 1000, "i1")
    })

    expect(texts(doc, "coping")).toEqual(["Walk the dog"])
    const item = visibleItems(doc, "coping")[0]
    if (item === undefined) throw new Error("no item")
    expect(attribution(doc, item)).toEqual({
      author: PERSON,
      made: 1000,
      editor: PERSON,
      edited: 1000,
    })
  })

  it("refuse empty text and unknown sections", () => {
    expect(() =>
      A.change(start(), (d) => {
        addItem(d, "coping", { text: "   " }, 1)
      })
    ).toThrow(RangeError)
    expect(() =>
      A.change(start(), (d) => {
        addItem(d, "reasons", { text: "x" }, 1)
      })
    ).toThrow(/not in this document/)
  })

  it("record who changed them last", () => {
    let person = A.change(start(), (d) => {
      addItem(d, "safer", { text: "Sam keeps the tablets" }, 1, "i1")
    })
    let carer = forkAs(person, CARER)

    carer = A.change(carer, (d) => {
      editItem(d, "safer", "i1", { text: "Sam keeps the tablets locked" }, 5)
    })
    person = A.merge(person, carer)

    const item = visibleItems(person, "safer")[0]
    if (item === undefined) throw new Error("no item")
    expect(attribution(person, item)).toMatchObject({
      author: PERSON,
      editor: CARER,
      edited: 5,
    })
  })

  it("merge concurrent edits of the same item without losing either", () => {
    const base = A.change(start(), (d) => {
      addItem(d, "safer", { text: "Call Sam" }, 1, "i1")
    })
    let person = forkAs(base, PERSON)
    let carer = forkAs(base, CARER)

    person = A.change(person, (d) => {
      editItem(d, "safer", "i1", { text: "Call Sam tonight" }, 2)
    })
    carer = A.change(carer, (d) => {
      editItem(d, "safer", "i1", { text: "Please call Sam" }, 3)
    })
    const left = A.merge(A.clone(person), carer)
    const right = A.merge(A.clone(carer), person)

    expect(texts(left, "safer")).toEqual(texts(right, "safer"))
    expect(texts(left, "safer")).toEqual(["Please call Sam tonight"])
  })

  it("keep concurrent additions from both sides", () => {
    const base = start()
    const person = A.change(forkAs(base, PERSON), (d) => {
      addItem(d, "coping", { text: "Music" }, 1)
    })
    const carer = A.change(forkAs(base, CARER), (d) => {
      addItem(d, "coping", { text: "Bath" }, 1)
    })

    const merged = A.merge(A.clone(person), carer)

    expect(texts(merged, "coping").sort()).toEqual(["Bath", "Music"])
  })

  it("are removed softly and can be restored", () => {
    let doc = A.change(start(), (d) => {
      addItem(d, "coping", { text: "Music" }, 1, "i1")
    })

    doc = A.change(doc, (d) => removeItem(d, "coping", "i1", 2))
    expect(texts(doc, "coping")).toEqual([])
    expect(doc.sections.coping).toHaveLength(1)

    doc = A.change(doc, (d) => restoreItem(d, "coping", "i1", 3))
    expect(texts(doc, "coping")).toEqual(["Music"])
  })

  it("keep an edit made while someone else removed the item", () => {
    const base = A.change(start(), (d) => {
      addItem(d, "coping", { text: "Music" }, 1, "i1")
    })
    const person = A.change(forkAs(base, PERSON), (d) => {
      removeItem(d, "coping", "i1", 2)
    })
    const carer = A.change(forkAs(base, CARER), (d) => {
      editItem(d, "coping", "i1", { text: "Loud music" }, 2)
    })

    const merged = A.merge(A.clone(person), carer)

    expect(texts(merged, "coping")).toEqual([])
    expect(merged.sections.coping?.[0]?.text).toBe("Loud music")
  })

  it("store phone numbers on contacts and clear them", () => {
    let doc = A.change(start(), (d) => {
      addItem(
        d,
        "help-contacts",
        { text: "Sam", phone: " 07700 900123 " },
        1,
        "c"
      )
    })
    expect(visibleItems(doc, "help-contacts")[0]?.phone).toBe("07700 900123")

    doc = A.change(doc, (d) => {
      editItem(d, "help-contacts", "c", { text: "Sam", phone: "" }, 2)
    })
    expect(visibleItems(doc, "help-contacts")[0]?.phone).toBeUndefined()
  })

  it("keep a phone number on one line and within the server's limit", () => {
    const doc = A.change(start(), (d) => {
      const phone = `07700\t900\n123 ${"9".repeat(50)}`
      addItem(d, "help-contacts", { text: "Sam", phone }, 1, "c")
    })

    const phone = visibleItems(doc, "help-contacts")[0]?.phone
    expect(phone).toBe(`07700 900 123 ${"9".repeat(26)}`)
    expect(phone).toHaveLength(MAX_PHONE)
  })
})

describe("proposals", () => {
  function proposed(): A.Doc<PlanDoc> {
    const base = start()
    const carer = A.change(forkAs(base, CARER), (d) => {
      propose(d, "warning-signs", { text: "Stops answering texts" }, 10, "p1")
    })
    return A.merge(forkAs(base, PERSON), carer)
  }

  it("wait for the person and are not items yet", () => {
    const doc = proposed()

    expect(pendingProposals(doc, "warning-signs").map((p) => p.text)).toEqual([
      "Stops answering texts",
    ])
    expect(texts(doc, "warning-signs")).toEqual([])
  })

  it("say when they were accepted in the person's own words", () => {
    const doc = A.change(proposed(), (d) => {
      acceptProposal(d, "p1", 20, { text: "I stop answering texts" }, "i1")
    })

    const item = visibleItems(doc, "warning-signs")[0]
    if (item === undefined) throw new Error("not accepted")
    expect(attribution(doc, item).accepted).toEqual({
      by: PERSON,
      at: 20,
      reworded: true,
    })
  })

  it("become items credited to the proposer when accepted", () => {
    const doc = A.change(proposed(), (d) => {
      acceptProposal(d, "p1", 20, undefined, "i1")
    })

    const item = visibleItems(doc, "warning-signs")[0]
    if (item === undefined) throw new Error("not accepted")
    expect(item.text).toBe("Stops answering texts")
    expect(attribution(doc, item)).toMatchObject({
      author: CARER,
      made: 10,
      editor: PERSON,
      edited: 20,
      accepted: { by: PERSON, at: 20, reworded: false },
    })
    expect(pendingProposals(doc)).toEqual([])
    expect(doc.proposals[0]?.decision).toEqual({
      state: "accepted",
      at: 20,
      itemId: "i1",
    })
  })

  it("can be accepted in the person's own words", () => {
    const doc = A.change(proposed(), (d) => {
      acceptProposal(d, "p1", 20, { text: "I go quiet on my phone" })
    })

    expect(texts(doc, "warning-signs")).toEqual(["I go quiet on my phone"])
  })

  it("can be declined or withdrawn, once", () => {
    const declined = A.change(proposed(), (d) => declineProposal(d, "p1", 20))
    expect(declined.proposals[0]?.decision?.state).toBe("declined")
    expect(texts(declined, "warning-signs")).toEqual([])
    expect(() =>
      A.change(declined, (d) => {
        acceptProposal(d, "p1", 21)
      })
    ).toThrow(/already been decided/)

    const withdrawn = A.change(proposed(), (d) => withdrawProposal(d, "p1", 20))
    expect(withdrawn.proposals[0]?.decision?.state).toBe("withdrawn")
  })

  it("can be edited by their author while pending", () => {
    const doc = A.change(proposed(), (d) => {
      editProposal(d, "p1", { text: "Stops answering texts for a day" }, 11)
    })

    expect(pendingProposals(doc)[0]?.text).toBe(
      "Stops answering texts for a day"
    )
  })
})

describe("reviews", () => {
  const CLINICIAN = "cc".repeat(16)

  it("are review-log items whose sign-off names the reviewer's actor", () => {
    const base = start()
    const clinician = A.change(forkAs(base, CLINICIAN), (d) => {
      signOff(d, { doc1: ["ab", "cd"] }, "  ", "2027-01-10", 50, "r1")
    })
    const doc = A.merge(forkAs(base, PERSON), clinician)

    const [review] = reviews(doc)
    expect(review?.reviewer).toBe(CLINICIAN)
    expect(review?.item.text).toBe("Reviewed")
    expect(review?.signoff).toEqual({
      heads: { doc1: ["ab", "cd"] },
      nextReview: "2027-01-10",
      at: 50,
    })
  })

  it("are never edited, removed or restored (the server refuses it)", () => {
    const doc = A.change(start(), (d) => {
      signOff(d, { doc1: ["ab"] }, "seen", undefined, 10, "r1")
    })

    for (const tamper of [
      (d: PlanDoc) => editItem(d, "review-log", "r1", { text: "not" }, 20),
      (d: PlanDoc) => removeItem(d, "review-log", "r1", 20),
      (d: PlanDoc) => restoreItem(d, "review-log", "r1", 20),
    ]) {
      expect(() => A.change(doc, tamper)).toThrow(/cannot be changed/)
    }
    expect(isChangeable(reviews(doc)[0]?.item as Item)).toBe(false)
  })

  it("are listed oldest first", () => {
    let doc = A.change(start(), (d) => {
      signOff(d, { doc1: ["bb"] }, "second", undefined, 20)
      signOff(d, { doc1: ["aa"] }, "first", undefined, 10)
    })
    doc = A.change(doc, (d) => {
      addItem(d, "review-log", { text: "a note, not a review" }, 30)
    })

    expect(reviews(doc).map((r) => r.item.text)).toEqual(["first", "second"])
  })

  it("leave out a repeat: the same reviewer signing the same heads again", () => {
    const base = start()
    const clinician = A.change(forkAs(base, CLINICIAN), (d) => {
      signOff(d, { doc1: ["ab", "cd"] }, "seen", "2027-01-10", 50, "r1")
      signOff(d, { doc1: ["cd", "ab"] }, "", undefined, 51, "r2")
    })
    const doc = A.merge(forkAs(base, PERSON), clinician)

    expect(reviews(doc).map((r) => [r.item.id, r.signoff.nextReview])).toEqual([
      ["r1", "2027-01-10"],
    ])
  })

  it("are due on and after the next review date", () => {
    const day = new Date("2027-01-10T09:00:00Z")
    expect(reviewDue("2027-01-11", day)).toBe(false)
    expect(reviewDue("2027-01-10", day)).toBe(true)
    expect(reviewDue("2026-12-01", day)).toBe(true)
    expect(reviewDue(undefined, day)).toBe(false)
  })

  it("are due on the phone's own day, not UTC's", () => {
    const zone = process.env.TZ
    process.env.TZ = "Europe/London"
    try {
      const halfPastMidnight = new Date("2027-06-11T00:30:00+01:00") // BST: 23:30 UTC the day before
      expect(localDay(halfPastMidnight)).toBe("2027-06-11")
      expect(reviewDue("2027-06-11", halfPastMidnight)).toBe(true)
      expect(localDay(new Date("2027-01-11T00:30:00Z"))).toBe("2027-01-11") // GMT
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })
})
