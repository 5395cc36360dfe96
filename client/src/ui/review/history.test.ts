import * as A from "@automerge/automerge"
import { describe, expect, it } from "vitest"
import type { ChangeRecord } from "../../api/review"
import {
  changeMs,
  changeWhen,
  type Dependencies,
  headsAt,
  moments,
  PlanHistory,
  viewAt,
} from "./history"

function change(
  hash: string,
  changeTime: string | null,
  receivedAt: string,
  userId = "u-alex",
  documentId = "doc"
): ChangeRecord {
  return {
    hash,
    documentId,
    actorId: "aa",
    seq: 1,
    userId,
    displayName: userId === "u-alex" ? "Alex" : "Sam",
    role: "person",
    changeTime,
    receivedAt,
  }
}

const T0 = Date.UTC(2026, 0, 20, 9)
const MINUTE = 60_000

/** A change by `userId` at T0 + `minutes`, for grouping. */
function at(
  hash: string,
  minutes: number,
  userId = "u-alex",
  documentId = "doc"
): ChangeRecord {
  const iso = new Date(T0 + minutes * MINUTE).toISOString()
  return change(hash, iso, iso, userId, documentId)
}

/** A linear history: each change depends on the one before it. */
function chain(hashes: string[]): Map<string, string[]> {
  return new Map(
    hashes.map((h, i) => [h, i === 0 ? [] : [hashes[i - 1] as string]])
  )
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
    const found = moments(
      [
        change("h1", "2026-01-20T09:00:00Z", "2026-01-20T09:00:01Z"),
        change("h2", "2026-01-21T18:50:00Z", "2026-01-21T18:50:01Z"),
        change("h3", null, "2026-01-21T18:54:00Z"),
      ],
      chain(["h1", "h2", "h3"])
    )
    expect(found.map((m) => m.label)).toEqual([
      expect.stringMatching(/^Alex, reached the server .*2026, .*: 2 changes$/),
      expect.stringMatching(/^Alex, 20 Jan 2026, .*: 1 change$/),
    ])
    // The heads, not every hash so far: h3 depends on h2, which depends on h1.
    expect(found.map((m) => m.heads)).toEqual([
      { doc: ["h3"] },
      { doc: ["h1"] },
    ])
    expect(found.map((m) => m.id)).toEqual(["h3", "h1"])
  })
})

describe("the heads at a moment", () => {
  // Two phones edit concurrently from r; Sam's phone then merges both lines.
  //   r <- a1 <- a2 ----------.
  //    \                       m (Sam, deps a2 and b1)
  //     `- b1 ----------------'
  const deps = new Map<string, string[]>([
    ["r", []],
    ["a1", ["r"]],
    ["b1", ["r"]],
    ["a2", ["a1"]],
    ["m", ["a2", "b1"]],
  ])
  const log = [
    at("r", 0),
    at("a1", 20),
    at("b1", 40, "u-sam"),
    at("a2", 60),
    at("m", 80, "u-sam"),
  ]

  it("is the frontier after concurrent changes by two phones, and one head after the merge", () => {
    expect(moments(log, deps).map((m) => [m.id, m.heads])).toEqual([
      ["m", { doc: ["m"] }],
      ["a2", { doc: ["a2", "b1"] }],
      ["b1", { doc: ["a1", "b1"] }],
      ["a1", { doc: ["a1"] }],
      ["r", { doc: ["r"] }],
    ])
  })

  it("is the same one moment at a time (headsAt) and for every moment at once", () => {
    const all = new Map(moments(log, deps).map((m) => [m.id, m.heads]))
    for (const c of log) expect(headsAt(log, c, deps)).toEqual(all.get(c.hash))
    expect(headsAt(log, at("elsewhere", 0), deps)).toEqual({})
  })

  it("is per document, and a document with nothing by then is absent", () => {
    const two = [
      at("r", 0),
      at("p1", 1, "u-alex", "private"),
      at("a1", 2),
      at("p2", 3, "u-alex", "private"),
    ]
    const both = new Map([...deps, ["p1", []], ["p2", ["p1"]]])
    expect(headsAt(two, two[0] as ChangeRecord, both)).toEqual({ doc: ["r"] })
    expect(headsAt(two, two[3] as ChangeRecord, both)).toEqual({
      doc: ["a1"],
      private: ["p2"],
    })
  })

  it("keeps a change the phone does not hold (no dependencies known), as it cannot be shown", () => {
    const partial = new Map([...deps].filter(([h]) => h !== "m"))
    expect(moments(log, partial)[0]?.heads).toEqual({ doc: ["a2", "b1", "m"] })
  })
})

/** One phone: its own actor and user, a copy of the document it edits. */
type Device = { doc: A.Doc<unknown>; userId: string }

/**
 * A long history as phones make it: three phones change one document
 * concurrently, now and then merging another's copy before their next change
 * (which then has several dependencies), and a person's second document changes
 * alongside. The server's list is in the order the changes were made (causal
 * order). Empty changes: only the graph matters here, and they are quick.
 */
function longHistory(count: number) {
  const base = A.from<Record<string, number>>(
    { n: 0 },
    { actor: "0a".repeat(16) }
  )
  const devices: Device[] = ["aa", "bb", "cc"].map((actor, i) => ({
    doc: A.clone(base, { actor: actor.repeat(16) }),
    userId: `u-${i}`,
  }))
  let own: A.Doc<unknown> = A.from({ n: 0 }, { actor: "dd".repeat(16) })
  const bytes: Uint8Array[] = []
  const listed: ChangeRecord[] = []
  let minutes = 0
  const made = (doc: A.Doc<unknown>, userId: string, documentId: string) => {
    const change = A.getLastLocalChange(doc) as Uint8Array
    bytes.push(change)
    listed.push(
      at(A.decodeChange(change).hash as string, minutes, userId, documentId)
    )
  }
  made(base, "u-0", "doc")
  made(own, "u-0", "own")
  let seed = 7
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  for (let i = 0; listed.length < count; i++) {
    minutes += random() < 0.3 ? 30 : 1
    if (i % 10 === 9) {
      own = A.emptyChange(own)
      made(own, "u-0", "own")
      continue
    }
    const device = devices[Math.floor(random() * devices.length)] as Device
    const other = devices[Math.floor(random() * devices.length)] as Device
    if (random() < 0.08 && other !== device) {
      device.doc = A.merge(device.doc, A.clone(other.doc))
    }
    device.doc = A.emptyChange(device.doc)
    made(device.doc, device.userId, "doc")
  }
  const all = devices.reduce(
    (d, device) => A.merge(d, A.clone(device.doc)),
    A.clone(base)
  )
  return { listed, bytes, docs: { doc: all, own } }
}

/** Automerge's own heads after each moment's last change, by that change's hash. */
function automergeHeads(
  listed: ChangeRecord[],
  bytes: Uint8Array[],
  ends: Set<string>
) {
  const docs = new Map<string, A.Doc<unknown>>()
  const waiting = new Map<string, Uint8Array[]>()
  const after = new Map<string, Record<string, string[]>>()
  listed.forEach((c, i) => {
    const batch = waiting.get(c.documentId) ?? []
    batch.push(bytes[i] as Uint8Array)
    waiting.set(c.documentId, batch)
    if (!ends.has(c.hash)) return
    for (const [id, batch] of waiting) {
      const [next] = A.applyChanges(docs.get(id) ?? A.init(), batch)
      docs.set(id, next)
    }
    waiting.clear()
    const heads: Record<string, string[]> = {}
    for (const [id, doc] of docs) heads[id] = [...A.getHeads(doc)].sort()
    after.set(c.hash, heads)
  })
  return after
}

describe("the moments of a long history", () => {
  it("has, at every moment of 2,000 changes by three phones, exactly Automerge's heads", () => {
    const { listed, bytes, docs } = longHistory(2000)
    const history = new PlanHistory()
    history.learn("doc", docs.doc)
    history.learn("own", docs.own)
    const found = history.moments(listed)
    const expected = automergeHeads(
      listed,
      bytes,
      new Set(found.map((m) => m.id))
    )

    expect(found.length).toBeGreaterThan(300)
    expect(found.some((m) => (m.heads.doc?.length ?? 0) > 1)).toBe(true)
    for (const m of found) expect(m.heads).toEqual(expected.get(m.id))
    const counted = found.map((m) =>
      Number(/: (\d+) changes?$/.exec(m.label)?.[1])
    )
    expect(counted.reduce((a, b) => a + b, 0)).toBe(listed.length)
  }, 30_000)

  it("lists 20,000 moments on one line of changes, each with its own heads", () => {
    // 20,000 moments (two people taking turns) on one line of changes: each
    // moment's heads used to cost a copy of every change before it, or worse (the
    // test's own timeout catches that; timings belong in scripts/measure_client.py).
    const n = 20_000
    const hashes = Array.from({ length: n }, (_, i) => `h${i}`)
    const deps: Dependencies = chain(hashes)
    const listed = hashes.map((h, i) => at(h, i, i % 2 ? "u-sam" : "u-alex"))
    const found = moments(listed, deps)
    expect(found).toHaveLength(n)
    expect(found[0]?.heads).toEqual({ doc: [`h${n - 1}`] })
    expect(found[n - 1]?.heads).toEqual({ doc: ["h0"] })
  })
})

describe("PlanHistory: the moments kept while nothing they show changes", () => {
  function phone() {
    let doc = A.from<Record<string, number>>({ n: 0 })
    const listed: ChangeRecord[] = [at(A.getHeads(doc)[0] as string, 0)]
    for (let i = 1; i <= 3; i++) {
      doc = A.change(doc, (d) => {
        d.n = i
      })
      listed.push(at(A.getHeads(doc)[0] as string, i * 30))
    }
    return { doc, listed }
  }

  it("returns the same moments when a document moved with a change the list does not name", () => {
    const { doc, listed } = phone()
    const history = new PlanHistory()
    history.learn("doc", doc)
    const first = history.moments(listed)
    expect(history.moments(listed)).toBe(first)
    const later = A.change(doc, (d) => {
      d.n = 9
    })
    history.learn("doc", later)
    expect(history.moments(listed)).toBe(first)
    expect(first.map((m) => m.heads.doc)).toEqual(
      [...listed].reverse().map((c) => [c.hash])
    )
  })

  it("works the moments out again once a listed change the phone lacked arrives", () => {
    const { doc, listed } = phone()
    const [behind] = A.applyChanges(
      A.init<Record<string, number>>(),
      A.getAllChanges(doc).slice(0, 2)
    )
    const history = new PlanHistory()
    history.learn("doc", behind)
    const first = history.moments(listed)
    // The last two are not on this phone: their dependencies are unknown.
    expect(first[0]?.heads.doc).toEqual(
      [listed[1], listed[2], listed[3]].map((c) => c?.hash).sort()
    )
    history.learn("doc", doc) // the rest arrives
    const again = history.moments(listed)
    expect(again).not.toBe(first)
    expect(again[0]?.heads.doc).toEqual([listed[3]?.hash])
    expect(history.get(listed[3]?.hash as string)).toEqual([listed[2]?.hash])
  })

  it("a new list is worked out anew", () => {
    const { doc, listed } = phone()
    const history = new PlanHistory()
    history.learn("doc", doc)
    const first = history.moments(listed)
    expect(history.moments(listed.slice(0, 2))).not.toBe(first)
    expect(history.moments(listed.slice(0, 2))[0]?.heads.doc).toEqual([
      listed[1]?.hash,
    ])
  })
})

describe("a past version", () => {
  it("is the document at the moment's heads, and at any set of changes they include", () => {
    let doc = A.from<{ items: string[] }>({ items: [] })
    const fork = A.clone(doc)
    doc = A.change(doc, (d) => {
      d.items.push("a walk")
    })
    const other = A.change(fork, (d) => {
      d.items.push("music")
    })
    doc = A.merge(doc, other)
    const heads = A.getHeads(doc)
    doc = A.change(doc, (d) => {
      d.items.push("later")
    })
    const all = A.getChangesMetaSince(doc, []).map((c) => c.hash)
    const at = viewAt(doc as never, heads) as unknown as { items: string[] }
    expect([...at.items].sort()).toEqual(["a walk", "music"])
    const wider = all.filter((h) => !A.getHeads(doc).includes(h))
    const same = viewAt(doc as never, wider) as unknown as { items: string[] }
    expect([...same.items].sort()).toEqual(["a walk", "music"])
  })

  it("is not there for a change the phone lacks, or for something not a hash", () => {
    const doc = A.from({ n: 1 })
    expect(viewAt(doc as never, ["ab".repeat(32)])).toBeUndefined()
    expect(viewAt(doc as never, ["not a hash"])).toBeUndefined()
  })
})
