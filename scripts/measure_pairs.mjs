// Pairs of phones editing one plan each (issue 11, item 2): P pairs (a person's two
// phones), 2P WebSockets, every peer an official automerge-repo Repo editing its pair's
// document every --interval-s;
// measures edit -> partner latency and the server's CPU in the steady phase.
//
//   node scripts/measure_pairs.mjs --url ws://127.0.0.1:18210/sync --hooks bench/hooks.mjs \
//     --server-pid PID [--pairs 500] [--interval-s 5] [--duration-s 60] [--workers 3]
//   node scripts/measure_pairs.mjs --url ws://127.0.0.1:18200 --server-pid PID   (reference)
//
// The server is started by whoever runs this (ours with --free-form-documents and
// --sign-ups-per-address above 2P; the reference from ../shared/bench without hooks). The
// clients use the official packages the interop tests install (tests/interop/node_modules).
// The hooks are the benchmark harness's (bench/hooks.mjs): accounts, tokens, plan
// registration and the carer's invitation. Prints one JSON line.
import { fork } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const modules = path.resolve(here, "../tests/interop/node_modules/@automerge")
const load = async (pkg, entry) => import(pathToFileURL(path.join(modules, pkg, entry)).href)

function options(argv) {
  const o = { pairs: 500, "interval-s": 5, "duration-s": 60, "warmup-s": 10, workers: 3 }
  for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, "")] = argv[i + 1]
  for (const k of ["pairs", "interval-s", "duration-s", "warmup-s", "workers", "server-pid"])
    if (o[k] !== undefined) o[k] = Number(o[k])
  return o
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null)

function cpuSeconds(pid) {
  // The process and its descendants (our server's worker process), from /proc.
  const ticks = 100
  const all = fs.readdirSync("/proc").filter(d => /^\d+$/.test(d))
  const stat = new Map()
  for (const d of all) {
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, "utf8")
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ")
      stat.set(Number(d), { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) })
    } catch {}
  }
  let total = 0
  const add = p => {
    total += stat.get(p)?.cpu ?? 0
    for (const [child, s] of stat) if (s.ppid === p) add(child)
  }
  add(pid)
  return total / ticks
}

// ------------------------------------------------------------------- worker process

async function worker() {
  const { Repo } = await load("automerge-repo", "dist/entrypoints/fullfat.js")
  const { WebSocketClientAdapter } = await load("automerge-repo-network-websocket", "dist/index.js")
  const asks = new Map()
  let nextAsk = 1
  const ask = (op, args) =>
    new Promise((resolve, reject) => {
      const id = nextAsk++
      asks.set(id, { resolve, reject })
      process.send({ ask: id, op, args })
    })
  const peers = []
  const repo = url => new Repo({ network: [new WebSocketClientAdapter(url, 5000)], sharePolicy: async () => true })
  const ready = repo => new Promise(resolve => {
    const ws = repo.networkSubsystem
    if (ws.isReady?.()) resolve()
    else ws.whenReady ? ws.whenReady().then(resolve) : setTimeout(resolve, 0)
  })

  // The partner may ask before the creator's upload reached the server (our server then
  // says doc-unavailable): ask again, as a phone would on its next visit.
  const found = async (repo, url) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await repo.find(url)
      } catch (e) {
        if (attempt >= 50) throw e
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }
  }

  // Until the partner's copy has the creator's first change (the list both append to).
  const holdsLog = handle =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (handle.doc()?.log) {
          handle.off("change", check)
          clearTimeout(timer)
          resolve()
        }
      }
      const timer = setTimeout(() => reject(new Error(`no log in ${handle.url} after 60 s`)), 60_000)
      handle.on("change", check)
      check()
    })

  process.on("message", async msg => {
    if (msg.answer) {
      const a = asks.get(msg.answer)
      asks.delete(msg.answer)
      msg.error ? a.reject(new Error(msg.error)) : a.resolve(msg.value)
      return
    }
    if (msg.op === "open") {
      for (const pair of msg.pairs) {
        const a = repo(pair.urlA)
        const b = repo(pair.urlB)
        await ready(a)
        const handle = a.create({ log: [] })
        await ask("docCreated", { clientIndex: pair.a, documentId: handle.documentId })
        if (pair.b !== pair.a)
          await ask("grantAccess", { ownerIndex: pair.a, readerIndex: pair.b, documentId: handle.documentId })
        await ready(b)
        const other = await found(b, handle.url)
        await holdsLog(other)
        peers.push({ side: "a", handle, repo: a }, { side: "b", handle: other, repo: b })
      }
      process.send({ done: "open", peers: peers.length })
    } else if (msg.op === "run") {
      const latencies = []
      let sent = 0
      let seen = 0
      const measureFrom = Date.now() + msg.warmupMs
      const stopAt = Date.now() + msg.durationMs
      for (const p of peers) {
        // By sequence number, not position: concurrent appends may land before entries
        // already looked at.
        p.seen = new Set()
        p.handle.on("change", ({ doc }) => {
          for (const e of doc.log ?? []) {
            if (e.by === p.side || p.seen.has(e.s)) continue
            p.seen.add(e.s)
            if (e.t >= measureFrom && e.t < stopAt) {
              latencies.push(Date.now() - e.t)
              seen++
            }
          }
        })
      }
      const timers = peers.map(p => {
        let seq = 0
        const edit = () => {
          const t = Date.now()
          if (t >= stopAt) return
          p.handle.change(d => {
            d.log.push({ by: p.side, s: seq++, t })
          })
          if (t >= measureFrom) sent++
        }
        const start = setTimeout(() => {
          edit()
          p.interval = setInterval(edit, msg.intervalMs)
        }, Math.random() * msg.intervalMs)
        return () => { clearTimeout(start); clearInterval(p.interval) }
      })
      await new Promise(resolve => setTimeout(resolve, msg.durationMs + msg.drainMs))
      timers.forEach(stop => stop())
      process.send({ done: "run", latencies, sent, seen })
    } else if (msg.op === "close") {
      await Promise.allSettled(peers.map(p => p.repo.shutdown()))
      process.exit(0)
    }
  })
}

// -------------------------------------------------------------- coordinator process

async function main() {
  const o = options(process.argv.slice(2))
  if (!o.url) throw new Error("--url is required")
  const hooks = o.hooks ? await import(pathToFileURL(path.resolve(o.hooks)).href) : {}
  const baseUrl = o["base-url"] ?? o.url.replace(/^ws/, "http").replace(/\/[^/]*$/, "").replace(/(:\/\/[^/]+).*/, "$1")
  // A pair is one person's two phones: one account (the plan's person, the only one who
  // writes anywhere in it), one plan, two connections.
  const clients = 2 * o.pairs
  const context = hooks.setup ? await hooks.setup({ baseUrl, url: o.url, clients: o.pairs, freshClients: 0, params: {} }) : null
  const urlOf = async i => (hooks.clientUrl ? hooks.clientUrl({ context, baseUrl, url: o.url, clientIndex: i }) : o.url)
  const pairs = []
  for (let p = 0; p < o.pairs; p++) {
    const url = await urlOf(p)
    pairs.push({ a: p, b: p, urlA: url, urlB: url })
  }

  const workers = Array.from({ length: o.workers }, () => fork(fileURLToPath(import.meta.url), ["--worker", "1"]))
  const call = (w, msg, done) =>
    new Promise((resolve, reject) => {
      const on = async m => {
        if (m.ask) {
          try {
            const hook = hooks[m.op]
            const value = hook ? await hook({ context, baseUrl, url: o.url, ...m.args }) : null
            w.send({ answer: m.ask, value: value ?? null })
          } catch (e) {
            w.send({ answer: m.ask, error: String(e) })
          }
        } else if (m.done === done) {
          w.off("message", on)
          resolve(m)
        }
      }
      w.on("message", on)
      w.once("exit", code => reject(new Error(`worker exited ${code}`)))
      w.send(msg)
    })
  const opened = Date.now()
  await Promise.all(workers.map((w, i) => call(w, { op: "open", pairs: pairs.filter((_, j) => j % o.workers === i) }, "open")))
  const openMs = Date.now() - opened
  const cpu0 = o["server-pid"] ? cpuSeconds(o["server-pid"]) : null
  const t0 = Date.now()
  const runMsg = {
    op: "run",
    intervalMs: o["interval-s"] * 1000,
    durationMs: o["duration-s"] * 1000,
    warmupMs: o["warmup-s"] * 1000,
    drainMs: 5000,
  }
  const results = await Promise.all(workers.map(w => call(w, runMsg, "run")))
  const cpu1 = o["server-pid"] ? cpuSeconds(o["server-pid"]) : null
  const wall = (Date.now() - t0) / 1000
  for (const w of workers) w.send({ op: "close" })
  const latencies = results.flatMap(r => r.latencies).sort((x, y) => x - y)
  const sent = results.reduce((n, r) => n + r.sent, 0)
  const seen = results.reduce((n, r) => n + r.seen, 0)
  console.log(
    JSON.stringify({
      url: o.url,
      pairs: o.pairs,
      connections: clients,
      interval_s: o["interval-s"],
      measured_s: o["duration-s"] - o["warmup-s"],
      open_ms: openMs,
      edits_measured: sent,
      delivered: seen,
      undelivered: sent - seen,
      latency_ms: {
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        p99: percentile(latencies, 0.99),
        max: latencies.at(-1) ?? null,
      },
      over_1s_share: latencies.length ? latencies.filter(x => x > 1000).length / latencies.length : null,
      server_cpu_s: cpu0 === null ? null : cpu1 - cpu0,
      server_cpu_cores: cpu0 === null ? null : (cpu1 - cpu0) / wall,
    })
  )
  setTimeout(() => process.exit(0), 2000)
}

if (process.argv.includes("--worker")) worker()
else main().catch(e => {
  console.error(e)
  process.exit(1)
})
