#!/usr/bin/env node
// One official automerge-repo client (one Repo, no storage) driven over a line protocol.
//
// The interop tests (tests/interop/*.py) start one such process per simulated client, so
// that a client can be killed like a real crashed app (test_relayed_changes_survive_sigkill kills writers).
//
//   stdin : one JSON command per line: {"id": 1, "cmd": "find", ...args}
//   stdout: one JSON object per line:
//             {"id": 1, "ok": true, "result": {...}}      reply to command 1
//             {"id": 1, "ok": false, "error": "..."}      command 1 failed
//             {"event": "peer", ...}                      unsolicited event (logged by Python)
//   stderr: free-form diagnostics (automerge-repo's `debug` output if DEBUG is set).
//
// Every wait has a timeout (timeoutMs, default 15 s) so that a misbehaving server makes a
// command fail with a message saying what was awaited, instead of hanging the test.
//
// Besides what the Repo exposes, the client records every message the server sends before
// the Repo sees it (`error` and `doc-unavailable` included, which the adapter only logs or
// turns into state) and every close of its WebSocket with the close code, so that the
// access-control tests can wait for a refusal instead of sleeping.
//
// Usage: node client.mjs <peerId>

import { createHash, randomBytes } from "node:crypto"
import { createInterface } from "node:readline"
import { Repo, cbor, generateAutomergeUrl, parseAutomergeUrl } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import * as A from "@automerge/automerge"

// Default for every wait, when the command gives no timeoutMs (the Python side always does).
const DEFAULT_TIMEOUT_MS = 15000

const peerId = process.argv[2]
if (!peerId) {
  process.stderr.write("usage: client.mjs <peerId>\n")
  process.exit(2)
}

function emit(obj) {
  // stdout to a pipe is synchronous on Linux, so lines are never lost or interleaved.
  process.stdout.write(JSON.stringify(obj) + "\n")
}

// Start without any network adapter: `connect` adds one, which lets a test create
// documents "offline" first (test_late_arrival).
const repo = new Repo({ network: [], peerId })
let adapter = null
let peerEvents = 0 // how many times the server peer appeared (1 per (re)connection)
let disconnectEvents = 0 // how many times it went away
let sendsDroppedWhileClosing = 0 // sends the stock adapter would have thrown on
const peerWaiters = new Set()

repo.networkSubsystem.on("peer", ({ peerId: remote }) => {
  peerEvents += 1
  emit({ event: "peer", peerId: remote, count: peerEvents })
  for (const w of [...peerWaiters]) w()
})
repo.networkSubsystem.on("peer-disconnected", ({ peerId: remote }) => {
  disconnectEvents += 1
  emit({ event: "peer-disconnected", peerId: remote, count: disconnectEvents })
  for (const w of [...peerWaiters]) w()
})

// What the server last told us it has, per document: the `theirHeads` of the sync state
// this client keeps for the server. It only changes when a sync message from the server
// arrives, so "theirHeads contain my heads" means the server acknowledged them.
const serverHeads = new Map() // documentId -> heads (hex)
const syncStateWaiters = new Set()
repo.synchronizer.on("sync-state", ({ documentId, syncState }) => {
  if (syncState.theirHeads) serverHeads.set(documentId, syncState.theirHeads)
  for (const w of [...syncStateWaiters]) w()
})

// Ephemeral messages, per document, as the application sees them (handle event), plus
// the raw ones seen by the network adapter before the client's own de-duplication.
const ephemeral = new Map() // documentId -> [{senderId, message}]
const rawEphemeral = [] // [{senderId, documentId, sessionId, count}]
const ephemeralWaiters = new Set()
const watched = new Set()

function watch(handle) {
  if (watched.has(handle.documentId)) return
  watched.add(handle.documentId)
  ephemeral.set(handle.documentId, [])
  handle.on("ephemeral-message", ({ senderId, message }) => {
    ephemeral.get(handle.documentId).push({ senderId, message: plain(message) })
    for (const w of [...ephemeralWaiters]) w()
  })
}

// Every message the server sent, as decoded by this client (bytes replaced by their length),
// and every close of a socket: what the access tests wait for and assert on.
const serverMessages = [] // [{type, documentId, message, senderId, bytes}]
const closes = [] // [{code, reason}]
const messageWaiters = new Set()

function recordServerMessage(raw) {
  let msg
  try {
    msg = cbor.decode(new Uint8Array(raw))
  } catch {
    serverMessages.push({ type: "<undecodable>", bytes: raw.byteLength })
    return
  }
  serverMessages.push({
    type: msg?.type ?? null,
    documentId: msg?.documentId ?? null,
    senderId: msg?.senderId ?? null,
    message: typeof msg?.message === "string" ? msg.message : null,
    bytes: msg?.data instanceof Uint8Array ? msg.data.byteLength : null,
  })
  for (const w of [...messageWaiters]) w()
}

/** Wrap the adapter so that every socket it opens reports its messages and its close. */
function instrument(adapter) {
  const connect = adapter.connect.bind(adapter)
  const receive = adapter.receiveMessage.bind(adapter)
  const send = adapter.send.bind(adapter)
  // The stock adapter throws "Websocket not ready (2)" when asked to send on a socket that
  // is closing. That happens when the server dies right after sending: Node's `ws` still
  // delivers the frames it had buffered, in state CLOSING, and the Repo answers each inside
  // its document update. The throw escapes that update after `receiveSyncMessage` has
  // already superseded the document, and the handle keeps the superseded one: every later
  // change and sync of that document fails ("Attempting to change an outdated document")
  // until the process restarts. Our PWA's own adapter (client/src/sync/server-socket.ts)
  // drops such a send instead (the Repo syncs again on reconnecting); so does this client.
  adapter.send = message => {
    if (adapter.socket && adapter.socket.readyState !== 1 /* OPEN */) {
      sendsDroppedWhileClosing += 1
      return
    }
    send(message)
  }
  adapter.receiveMessage = bytes => {
    recordServerMessage(bytes)
    return receive(bytes)
  }
  adapter.connect = (...args) => {
    connect(...args)
    adapter.socket?.addEventListener("close", ev => {
      closes.push({ code: ev.code, reason: String(ev.reason ?? "") })
      for (const w of [...messageWaiters]) w()
    })
  }
}

function matching({ type, documentId }) {
  return serverMessages.filter(
    m => (type == null || m.type === type) && (documentId == null || m.documentId === documentId)
  )
}

// ------------------------------------------------------------------ helpers

function docId(url) {
  return parseAutomergeUrl(url).documentId
}

function handleOf(url) {
  const h = repo.handles[docId(url)]
  if (!h) throw new Error(`no handle for ${url} in this client`)
  return h
}

/** JSON-safe, key-sorted copy of a document value (bytes become {$bytes, sha256}). */
function plain(v) {
  if (v instanceof Uint8Array) {
    return { $bytes: v.byteLength, sha256: createHash("sha256").update(v).digest("hex") }
  }
  if (A.isImmutableString(v)) return v.toString()
  if (Array.isArray(v)) return v.map(plain)
  if (v && typeof v === "object") {
    if (A.isCounter(v)) return v.value
    const out = {}
    for (const k of Object.keys(v).sort()) out[k] = plain(v[k])
    return out
  }
  return v
}

function summary(handle, full = true) {
  const doc = handle.doc()
  const p = plain(doc)
  const json = JSON.stringify(p)
  return {
    heads: [...A.getHeads(doc)].sort(),
    digest: createHash("sha256").update(json).digest("hex"),
    jsonBytes: json.length,
    ...(full ? { doc: p } : {}),
  }
}

function getPath(obj, path) {
  let o = obj
  for (const k of path) o = o?.[k]
  return o
}

/** Resolve when check() is truthy; re-check whenever `subscribe`d events fire. */
function waitUntil(check, subscribe, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {}
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what()}`))
    }, timeoutMs)
    const tryIt = () => {
      let v
      try {
        v = check()
      } catch (e) {
        clearTimeout(timer)
        unsubscribe()
        reject(e)
        return
      }
      if (v) {
        clearTimeout(timer)
        unsubscribe()
        resolve(v)
      }
    }
    unsubscribe = subscribe(tryIt)
    tryIt()
  })
}

function onHandleChange(handle) {
  return cb => {
    handle.on("change", cb)
    handle.on("heads-changed", cb)
    return () => {
      handle.off("change", cb)
      handle.off("heads-changed", cb)
    }
  }
}

function onSet(set) {
  return cb => {
    set.add(cb)
    return () => set.delete(cb)
  }
}

/** An item of a plan's section, as the app writes it (client/src/docs/plan.ts). */
function planItem(text) {
  return { id: randomBytes(12).toString("hex"), text, made: 1, edit: { at: 1 } }
}

function randomText(length) {
  const bytes = randomBytes(2 * length)
  let text = ""
  for (let i = 0; i < length; i++) {
    text += String.fromCodePoint(0x4e00 + (bytes.readUInt16BE(2 * i) % 20992))
  }
  return text
}

/** Apply a list of simple edit operations inside one change. */
function applyOps(d, ops) {
  for (const op of ops) {
    const parent = getPath(d, op.path.slice(0, -1))
    const key = op.path[op.path.length - 1]
    switch (op.op) {
      case "set":
        parent[key] = op.value
        break
      case "push":
        parent[key].push(op.value)
        break
      case "randomBytes":
        // Incompressible payload: random bytes defeat Automerge's column compression
        // and permessage-deflate, so the frame really is this big on the wire.
        parent[key] = new Uint8Array(randomBytes(op.size))
        break
      case "pushRandomBytes":
        parent[key].push(new Uint8Array(randomBytes(op.size)))
        break
      case "pushRandomItems":
        // Plan items (what the server accepts in a plan) whose text is `size` random CJK
        // characters: about 14 bits each, so compression gains little.
        for (let i = 0; i < op.count; i++) parent[key].push(planItem(randomText(op.size)))
        break
      default:
        throw new Error(`unknown op ${op.op}`)
    }
  }
}

// ------------------------------------------------------------------ commands

const writers = new Map() // url -> {stop, written}

const commands = {
  async connect({ url, retryMs = 5000, timeoutMs = DEFAULT_TIMEOUT_MS, waitPeer = true }) {
    // waitPeer=false: return at once (a server that refuses the credential never sends peer).
    if (adapter) throw new Error("already connected")
    const before = peerEvents
    adapter = new WebSocketClientAdapter(url, retryMs)
    instrument(adapter)
    // Raw ephemeral messages as they come off the socket, before the NetworkSubsystem's
    // de-duplication: catches a server that echoes a message back to its author.
    adapter.on("message", msg => {
      if (msg?.type === "ephemeral") {
        const { senderId, documentId, sessionId, count } = msg
        rawEphemeral.push({ senderId, documentId, sessionId, count })
      }
    })
    repo.networkSubsystem.addNetworkAdapter(adapter)
    if (!waitPeer) return { peerCount: peerEvents, serverPeerId: null }
    await waitUntil(() => peerEvents > before, onSet(peerWaiters), timeoutMs, () => `peer from ${url}`)
    return { peerCount: peerEvents, serverPeerId: repo.peers[0] ?? null }
  },

  async waitPeer({ count, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    // count: total number of `peer` events (initial connection + reconnections) to reach.
    await waitUntil(() => peerEvents >= count, onSet(peerWaiters), timeoutMs, () => `peer event #${count} (seen ${peerEvents})`)
    return { peerCount: peerEvents }
  },

  async waitDisconnect({ count, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    await waitUntil(
      () => disconnectEvents >= count,
      onSet(peerWaiters),
      timeoutMs,
      () => `peer-disconnected event #${count} (seen ${disconnectEvents})`
    )
    return { disconnectCount: disconnectEvents, sendsDroppedWhileClosing }
  },

  create({ doc = {} }) {
    const handle = repo.create(doc)
    watch(handle)
    return { url: handle.url, documentId: handle.documentId, ...summary(handle, false) }
  },

  disconnect() {
    // Stop for good: close the socket and the retry timer (no reconnect).
    if (!adapter) throw new Error("not connected")
    repo.networkSubsystem.removeNetworkAdapter(adapter) // also disconnects it
    return { closes: closes.length }
  },

  serverMessages({ type = null, documentId = null }) {
    return { messages: matching({ type, documentId }), closes }
  },

  async waitServerMessage({ type = null, documentId = null, count = 1, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    // Resolve once the server sent `count` messages of this type (about this document).
    await waitUntil(
      () => matching({ type, documentId }).length >= count,
      onSet(messageWaiters),
      timeoutMs,
      () => `${count} server message(s) of type ${type} about ${documentId} (got ${JSON.stringify(serverMessages.slice(-10))})`
    )
    return { messages: matching({ type, documentId }), closes }
  },

  mark() {
    // Positions in the message and close logs, for waitRefusal({since}).
    return { messages: serverMessages.length, closes: closes.length }
  },

  async waitRefusal({ documentId, since = { messages: 0, closes: 0 }, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    // Resolve once, after `since`, the server refused something: an `error` message, a
    // `doc-unavailable` about `documentId`, or a close of the socket.
    const found = () => {
      const msgs = serverMessages
        .slice(since.messages)
        .filter(m => m.type === "error" || (m.type === "doc-unavailable" && m.documentId === documentId))
      const cl = closes.slice(since.closes)
      return msgs.length || cl.length ? { messages: msgs, closes: cl } : null
    }
    return await waitUntil(
      found,
      onSet(messageWaiters),
      timeoutMs,
      () => `a refusal about ${documentId} (messages since: ${JSON.stringify(serverMessages.slice(since.messages))}, closes: ${JSON.stringify(closes)})`
    )
  },

  async waitClose({ count = 1, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    await waitUntil(
      () => closes.length >= count,
      onSet(messageWaiters),
      timeoutMs,
      () => `socket close #${count} (seen ${JSON.stringify(closes)})`
    )
    return { closes }
  },

  actors({ url }) {
    // Every actor id (hex) in the document's history, and this handle's own actor.
    const doc = handleOf(url).doc()
    const all = new Set(A.getAllChanges(doc).map(c => A.decodeChange(c).actor))
    return { actors: [...all].sort(), own: A.getActorId(doc) }
  },

  forge({ url, actor, ops }) {
    // A change authored under someone else's actor id: load this client's copy with that
    // actor (A.load(bytes, {actor})), edit, and merge the result into the handle, so that
    // the Repo uploads it like any local change.
    const handle = handleOf(url)
    const forged = A.change(A.load(A.save(handle.doc()), { actor }), d => applyOps(d, ops))
    const hash = A.getHeads(forged)[0]
    const change = A.decodeChange(A.getLastLocalChange(forged))
    handle.update(d => A.merge(d, forged))
    return { hash, actor: change.actor, seq: change.seq, ...summary(handle, false) }
  },

  importAs({ documentId, doc = {} }) {
    // A document of this client's own making, under someone else's document id.
    const bytes = A.save(A.from(doc))
    const handle = repo.import(bytes, { docId: documentId })
    watch(handle)
    return { url: handle.url, documentId: handle.documentId, ...summary(handle, false) }
  },

  hasChanges({ url, hashes }) {
    // For each change hash: is it in this client's copy of the document?
    const doc = handleOf(url).doc()
    return { has: Object.fromEntries(hashes.map(h => [h, A.hasHeads(doc, [h])])) }
  },

  serverProof({ url }) {
    // Changes this client can prove the server had (the server is its only peer):
    //   acked    - the heads the server last advertised to us and their whole history;
    //              the server advertises nothing before it is durable, so these must
    //              survive any crash. Heads we do not hold ourselves count too.
    //   received - every change not made by this client's own actor: it came through
    //              the server, which relays only what it has committed.
    const handle = handleOf(url)
    const doc = handle.doc()
    const own = A.getActorId(doc)
    const changes = A.getAllChanges(doc).map(c => A.decodeChange(c))
    const byHash = new Map(changes.map(c => [c.hash, c]))
    const acked = new Set()
    const stack = [...(serverHeads.get(handle.documentId) ?? [])]
    while (stack.length) {
      const h = stack.pop()
      if (acked.has(h)) continue
      acked.add(h)
      for (const dep of byHash.get(h)?.deps ?? []) stack.push(dep)
    }
    const received = changes.filter(c => c.actor !== own).map(c => c.hash)
    return { acked: [...acked].sort(), received: received.sort(), changes: changes.length }
  },

  randomUrl() {
    return { url: generateAutomergeUrl() }
  },

  async find({ url, timeoutMs = DEFAULT_TIMEOUT_MS, full = true }) {
    const t0 = performance.now()
    let timer
    try {
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`find() still pending after ${timeoutMs} ms`)), timeoutMs)
      })
      const handle = await Promise.race([repo.find(url), timeout])
      watch(handle)
      return { found: true, ms: performance.now() - t0, ...summary(handle, full) }
    } catch (e) {
      return { found: false, ms: performance.now() - t0, error: String(e?.message ?? e) }
    } finally {
      clearTimeout(timer)
    }
  },

  handleState({ url }) {
    const h = repo.handles[docId(url)]
    return { state: h ? h.state : null }
  },

  async waitReady({ url, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    // For a handle that already exists in this Repo (e.g. one whose find() was rejected
    // as unavailable): resolve when it turns ready because the server pushed the document.
    const handle = handleOf(url)
    const t0 = performance.now()
    let timer
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timeout after ${timeoutMs} ms waiting for ${url} to become ready (state: ${handle.state})`)),
        timeoutMs
      )
    })
    try {
      await Promise.race([handle.whenReady(["ready"]), timeout])
    } finally {
      clearTimeout(timer)
    }
    watch(handle)
    return { ms: performance.now() - t0, ...summary(handle) }
  },

  change({ url, ops }) {
    const handle = handleOf(url)
    handle.change(d => applyOps(d, ops))
    return summary(handle, false)
  },

  savedSize({ url }) {
    // Size of the whole document in Automerge's storage format: what a whole-document
    // sync message carries.
    return { bytes: A.save(handleOf(url).doc()).byteLength }
  },

  state({ url, full = true }) {
    return summary(handleOf(url), full)
  },

  async waitHeads({ url, heads, timeoutMs = DEFAULT_TIMEOUT_MS, full = true }) {
    // Resolve once the document contains every one of `heads` in its history.
    const handle = handleOf(url)
    await waitUntil(
      () => A.hasHeads(handle.doc(), heads),
      onHandleChange(handle),
      timeoutMs,
      () => {
        const missing = heads.filter(h => !A.hasHeads(handle.doc(), [h]))
        return `heads ${JSON.stringify(missing)} in ${url} (have ${JSON.stringify(A.getHeads(handle.doc()))})`
      }
    )
    return summary(handle, full)
  },

  async waitLength({ url, path, min, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    const handle = handleOf(url)
    const len = () => getPath(handle.doc(), path)?.length ?? 0
    await waitUntil(() => len() >= min, onHandleChange(handle), timeoutMs, () => `${path.join(".")} length >= ${min} (is ${len()})`)
    return { length: len() }
  },

  async serverAck({ url, heads, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    // Resolve once the server's last sync message shows it has all of `heads`
    // (default: our current heads). Only meaningful while nobody else edits the doc.
    const handle = handleOf(url)
    const want = heads ?? A.getHeads(handle.doc())
    const id = handle.documentId
    const has = () => {
      const th = serverHeads.get(id) ?? []
      return want.every(h => th.includes(h))
    }
    await waitUntil(has, onSet(syncStateWaiters), timeoutMs, () => `server ack of ${JSON.stringify(want)} (server has ${JSON.stringify(serverHeads.get(id) ?? null)})`)
    return { heads: want }
  },

  broadcast({ url, message }) {
    handleOf(url).broadcast(message)
    return {}
  },

  ephemeral({ url }) {
    const id = docId(url)
    return {
      messages: ephemeral.get(id) ?? [],
      raw: rawEphemeral.filter(m => m.documentId === id),
      self: peerId,
    }
  },

  async waitEphemeral({ url, count, timeoutMs = DEFAULT_TIMEOUT_MS }) {
    const id = docId(url)
    const n = () => (ephemeral.get(id) ?? []).length
    await waitUntil(() => n() >= count, onSet(ephemeralWaiters), timeoutMs, () => `${count} ephemeral message(s) on ${url} (got ${n()})`)
    return commands.ephemeral({ url })
  },

  startWriter({ url, path, tag, every = 1, asItems = false }) {
    // Keep appending `${tag}:${n}` to the list at `path`, one change per `every` ms, until
    // stopWriter (or until this process is killed, which is the point of the test).
    // asItems: as the text of a plan item (what the server accepts in a plan's section).
    const handle = handleOf(url)
    if (writers.has(url)) throw new Error("writer already running")
    const w = { written: 0, timer: null }
    w.timer = setInterval(() => {
      handle.change(d => {
        const text = `${tag}:${w.written}`
        getPath(d, path.slice(0, -1))[path[path.length - 1]].push(asItems ? planItem(text) : text)
      })
      w.written += 1
    }, every)
    writers.set(url, w)
    return {}
  },

  stopWriter({ url }) {
    const w = writers.get(url)
    if (!w) throw new Error("no writer")
    clearInterval(w.timer)
    writers.delete(url)
    return { written: w.written, ...summary(handleOf(url), false) }
  },

  async shutdown() {
    for (const w of writers.values()) clearInterval(w.timer)
    writers.clear()
    await repo.shutdown()
    // Reply first, then exit once stdout is flushed.
    setImmediate(() => process.exit(0))
    return {}
  },
}

// ------------------------------------------------------------------ main loop

process.on("uncaughtException", e => {
  // The Node WebSocket adapter rethrows socket errors other than ECONNREFUSED (e.g. an
  // HTTP 404 on upgrade, or a reset while the server dies). Report instead of dying so
  // the Python side can decide whether it is acceptable and show it in the failure.
  emit({ event: "uncaught", error: String(e?.stack ?? e), code: e?.code ?? null })
})
process.on("unhandledRejection", e => {
  emit({ event: "unhandledRejection", error: String(e?.stack ?? e) })
})

const rl = createInterface({ input: process.stdin })
rl.on("line", async line => {
  if (!line.trim()) return
  let msg
  try {
    msg = JSON.parse(line)
  } catch (e) {
    emit({ event: "bad-command", line })
    return
  }
  const { id, cmd, ...args } = msg
  const fn = commands[cmd]
  if (!fn) {
    emit({ id, ok: false, error: `unknown command ${cmd}` })
    return
  }
  try {
    emit({ id, ok: true, result: await fn(args) })
  } catch (e) {
    emit({ id, ok: false, error: String(e?.stack ?? e) })
  }
})
// Parent closed our stdin (test finished or Python died): leave without lingering.
rl.on("close", () => process.exit(0))

emit({ event: "ready", peerId, pid: process.pid })
