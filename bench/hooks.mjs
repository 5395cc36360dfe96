// --hooks module for the benchmark harness (shared/bench, README "Servers that need
// authentication") against this server's HTTP API:
//
//   setup       one account per client index (bench-<run>-<i>@example.invalid): sign up,
//               sign in (sp_session cookie), then a device token (POST /api/tokens, with the
//               cookie and the server's own Origin). The context holds the ids, e-mails
//               and tokens, so a measure phase (another process) signs in as the same
//               accounts.
//   clientUrl   the --url with ?token=<that client's device token>.
//   docCreated  the creator registers the document as a plan of its own (POST /api/plans);
//               the server then pushes a sync message and the client uploads.
//   grantAccess the owner invites the reader as a carer into that document's plan, the
//               reader accepts. The plan id is remembered from docCreated in this process,
//               or looked up with GET /api/plans (measure phase of a restarted run).
//
// Every call uses Authorization: Bearer <token> except the sign-in and the first token.

const PASSWORD = "bench-password-not-secret"
const SETUP_CONCURRENCY = 4 // password hashing is deliberately slow; 2 cores

// documentId -> planId, filled by docCreated (and by lookups) in this process only.
const planOf = new Map()

async function call(baseUrl, method, path, { token, cookie, origin, body, expect = [200, 201, 204] } = {}) {
  const headers = {}
  if (body !== undefined) headers["content-type"] = "application/json"
  if (token) headers.authorization = `Bearer ${token}`
  if (cookie) headers.cookie = cookie
  if (origin) headers.origin = origin
  const res = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!expect.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`)
  return { res, json: text ? JSON.parse(text) : null }
}

function sessionCookie(res) {
  const all = typeof res.headers.getSetCookie === "function" ? res.headers.getSetCookie() : [res.headers.get("set-cookie") ?? ""]
  for (const c of all) {
    const m = /(?:^|[;,]\s*)(sp_session=[^;]+)/.exec(c)
    if (m) return m[1]
  }
  throw new Error(`sign-in set no sp_session cookie (Set-Cookie: ${JSON.stringify(all)})`)
}

async function makeAccount(baseUrl, email, displayName) {
  const { json: account } = await call(baseUrl, "POST", "/api/accounts", {
    body: { email, password: PASSWORD, displayName },
    expect: [201],
  })
  const { res } = await call(baseUrl, "POST", "/api/session", { body: { email, password: PASSWORD }, expect: [200] })
  const { json: token } = await call(baseUrl, "POST", "/api/tokens", {
    cookie: sessionCookie(res),
    origin: new URL(baseUrl).origin,
    body: { label: "bench" },
    expect: [201],
  })
  return { id: account.id, email, token: token.token }
}

/** Run `fn(i)` for i in [0, n) with at most `limit` at a time; results in index order. */
async function pool(n, limit, fn) {
  const out = new Array(n)
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      out[i] = await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker))
  return out
}

export async function setup({ baseUrl, clients, freshClients }) {
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
  const accounts = await pool(clients + freshClients, SETUP_CONCURRENCY, i =>
    makeAccount(baseUrl, `bench-${run}-${i}@example.invalid`, `bench ${i}`)
  )
  return { run, accounts }
}

function account(context, index) {
  const a = context?.accounts?.[index]
  if (!a) throw new Error(`no account for client ${index} (setup made ${context?.accounts?.length ?? 0})`)
  return a
}

// BENCH_PROCESSES=N (bench/serve.sh with N processes on one database, ports PORT..PORT+N-1):
// client i connects to the process on PORT + i % N, so the writer and half the readers share
// one process and the other half hear its changes through the database.
const PROCESSES = Number(process.env.BENCH_PROCESSES || 1)

export async function clientUrl({ context, clientIndex, url }) {
  const u = new URL(url)
  if (PROCESSES > 1) u.port = String(Number(u.port) + (clientIndex % PROCESSES))
  u.searchParams.set("token", account(context, clientIndex).token)
  return u.href
}

export async function docCreated({ context, baseUrl, clientIndex, documentId }) {
  const { json: plan } = await call(baseUrl, "POST", "/api/plans", {
    token: account(context, clientIndex).token,
    body: { documentId, title: `bench ${documentId}` },
    expect: [201],
  })
  planOf.set(documentId, plan.id)
}

async function planFor(baseUrl, owner, documentId) {
  if (planOf.has(documentId)) return planOf.get(documentId)
  const { json: plans } = await call(baseUrl, "GET", "/api/plans", { token: owner.token, expect: [200] })
  for (const p of plans) if (p.role === "person") planOf.set(p.documentId, p.id)
  if (!planOf.has(documentId)) throw new Error(`document ${documentId} is not a plan of ${owner.email}`)
  return planOf.get(documentId)
}

export async function grantAccess({ context, baseUrl, ownerIndex, readerIndex, documentId }) {
  const owner = account(context, ownerIndex)
  const reader = account(context, readerIndex)
  const planId = await planFor(baseUrl, owner, documentId)
  const { json: invite } = await call(baseUrl, "POST", `/api/plans/${planId}/invites`, {
    token: owner.token,
    body: { role: "carer" },
    expect: [201],
  })
  await call(baseUrl, "POST", `/api/invites/${encodeURIComponent(invite.code)}/accept`, {
    token: reader.token,
    expect: [200],
  })
}
