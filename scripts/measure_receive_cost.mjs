// What one incoming sync message costs @automerge/automerge 3.5.0 (what the reference
// server and the clients run) as a list's history grows: the Node counterpart of
// scripts/measure_receive_cost.py, the same four kinds of message, timed around
// `receiveSyncMessage` on the receiving side.
//
//     node scripts/measure_receive_cost.mjs [--sizes 1000 4000 12000] [--rounds 40]
//
// Uses the packages the interop tests install (tests/interop/node_modules).

import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const entry = path.resolve(here, "../tests/interop/node_modules/@automerge/automerge/dist/mjs/entrypoints/fullfat_node.js")
const A = await import(pathToFileURL(entry).href)

function option(name, fallback) {
  const at = process.argv.indexOf(name)
  if (at < 0) return fallback
  const values = []
  for (let i = at + 1; i < process.argv.length && !process.argv[i].startsWith("--"); i++) values.push(Number(process.argv[i]))
  return values
}
const sizes = option("--sizes", [1000, 4000, 12000])
const rounds = option("--rounds", [40])[0]

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function measure(size) {
  // One change per item, as the writers make them.
  let base = A.change(A.init(), d => {
    d.items = []
  })
  for (let i = 0; i < size; i++) base = A.change(base, d => d.items.push(String(i)))
  let server = A.clone(base)
  const phones = [0, 1].map(() => ({ doc: A.clone(base), state: A.initSyncState(), serverSide: A.initSyncState(), written: 0 }))
  const took = { "one item": [], crossing: [], acknowledgement: [], "ten items": [] }
  const reply = phone => {
    const [state, message] = A.generateSyncMessage(server, phone.serverSide)
    phone.serverSide = state
    return message
  }
  const take = (phone, message) => {
    if (message) [phone.doc, phone.state] = A.receiveSyncMessage(phone.doc, phone.state, message)
  }
  const send = (phone, kind, per = 1) => {
    const [state, message] = A.generateSyncMessage(phone.doc, phone.state)
    phone.state = state
    if (!message) return
    const start = performance.now()
    ;[server, phone.serverSide] = A.receiveSyncMessage(server, phone.serverSide, message)
    if (kind) took[kind].push((performance.now() - start) / per)
  }
  const append = (phone, count = 1) => {
    for (let i = 0; i < count; i++) phone.doc = A.change(phone.doc, d => d.items.push(String(phone.written++)))
  }
  for (let i = 0; i < 8; i++) for (const phone of phones) {
    send(phone, null)
    take(phone, reply(phone))
  }
  const [a, b] = phones
  for (let r = 0; r < rounds; r++) {
    append(a)
    send(a, "one item")
    const toB = reply(b)
    append(b)
    send(b, "crossing")
    take(b, toB)
    send(b, "acknowledgement")
    take(a, reply(a))
    send(a, "acknowledgement")
    take(b, reply(b))
  }
  for (let r = 0; r < Math.max(1, Math.floor(rounds / 4)); r++) {
    append(a, 10)
    send(a, "ten items", 10)
    take(a, reply(a))
    send(a, "acknowledgement")
  }
  return Object.fromEntries(Object.entries(took).map(([k, v]) => [k, v.length ? median(v) : Number.NaN]))
}

const kinds = ["one item", "crossing", "acknowledgement", "ten items"]
console.log(`${"items in the list".padStart(18)} ${kinds.map(k => k.padStart(16)).join(" ")}  (ms per message;`)
console.log(`${"".padStart(18)} ${" ".repeat(17 * 3)}${"per item".padStart(16)}   median)`)
for (const size of sizes) {
  const got = measure(size)
  console.log(`${size.toLocaleString("en-GB").padStart(18)} ${kinds.map(k => got[k].toFixed(3).padStart(16)).join(" ")}`)
}
