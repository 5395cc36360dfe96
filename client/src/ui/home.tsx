/** The plans this account belongs to, creating a plan, joining one, signing out. */
import { useEffect, useState } from "preact/hooks"
import type { Plan } from "../api/client"
import { createPlan, joinPlan, refreshPlans } from "../plans/plans"
import {
  deleteAccount,
  type Session,
  signOut,
  unsyncedDocuments,
} from "../plans/session"
import { pushSupported } from "../pwa/push"
import { Notice, useAction } from "./action"
import { CaseloadView } from "./caseload"
import { whosePlan } from "./format"
import { go } from "./hooks"
import { WaitingSuggestions } from "./waiting"

export { explain } from "./action"

export function Home({ session }: { session: Session }) {
  const [plans, setPlans] = useState<Plan[]>(session.store.plans)
  const [title, setTitle] = useState("My safety plan")
  const [code, setCode] = useState("")
  const { busy, error, run } = useAction()
  const [password, setPassword] = useState("")

  useEffect(() => {
    refreshPlans(session).then(setPlans, () => undefined)
    // A plan the server took away leaves the list at once.
    const changed = () => setPlans(session.store.plans)
    session.server.addEventListener("plans", changed)
    return () => session.server.removeEventListener("plans", changed)
  }, [session])

  const create = (event: Event) => {
    event.preventDefault()
    void run(async () => {
      const plan = await createPlan(session, title)
      go(`plan/${plan.id}`)
    })
  }

  const join = (event: Event) => {
    event.preventDefault()
    void run(async () => {
      const plan = await joinPlan(session, code)
      go(`plan/${plan.id}`)
    })
  }

  const leave = () =>
    run(async () => {
      const unsynced = await unsyncedDocuments(session)
      const warning =
        unsynced.length > 0
          ? "Some changes on this phone have not reached the server yet. If you sign out now they will be lost. Sign out anyway?"
          : "Sign out and remove your plans from this phone? They stay safe on the server."
      if (!window.confirm(warning)) return
      await signOut(session)
      location.hash = "#/"
      location.reload()
    })

  const remove = (event: Event) => {
    event.preventDefault()
    void run(async () => {
      if (
        !window.confirm("Delete your account for good? This cannot be undone.")
      ) {
        return
      }
      await deleteAccount(session, password)
      location.hash = "#/"
      location.reload()
    })
  }

  const own = plans.some((p) => p.role === "person")
  // A clinician's home is their caseload; their other plans (as a carer, say) stay below.
  const reviewed = plans.filter((p) => p.role === "clinician")
  const others = plans.filter((p) => p.role !== "clinician")
  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title">Hello, {session.account.displayName}</h1>
      {reviewed.length > 0 ? (
        <CaseloadView session={session} plans={reviewed} />
      ) : null}
      {others.length > 0 ? (
        <ul class="plans">
          {others.map((p) => (
            <li key={p.id}>
              <div>
                <a class="plan-link" href={`#/plan/${p.id}`}>
                  {whosePlan(p)?.title ?? p.title}
                  <span class="muted">{whosePlan(p)?.you ?? "Your plan"}</span>
                </a>
                {p.role === "person" ? (
                  <WaitingSuggestions session={session} plan={p} />
                ) : null}
              </div>
              <a class="crisis-link" href={`#/plan/${p.id}/card`}>
                Crisis card
              </a>
            </li>
          ))}
        </ul>
      ) : reviewed.length > 0 ? null : (
        <p>You have no plan on this phone yet.</p>
      )}
      {own ? null : (
        <form onSubmit={create} class="card">
          <h2>Start your own plan</h2>
          <label>
            Name of the plan
            <input
              name="title"
              required
              maxLength={200}
              value={title}
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Create my plan
          </button>
        </form>
      )}
      <form onSubmit={join} class="card">
        <h2>Join someone's plan</h2>
        <label>
          Invitation code
          <input
            name="code"
            required
            autocomplete="off"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Join plan
        </button>
      </form>
      <Notice>{error}</Notice>
      <p>
        <a href="#/devices">My devices</a>
        <span class="muted">: where you are signed in; end any of them</span>
      </p>
      {pushSupported() ? (
        <p>
          <a href="#/notifications">Notifications</a>
          <span class="muted">: what this phone tells you about</span>
        </p>
      ) : null}
      <details class="card danger">
        <summary>Delete my account</summary>
        <form onSubmit={remove}>
          <p>
            {own
              ? "This deletes your account and your plan, with its history, from the server and from this phone. The people in your plan lose it too. Download your plan first (People) if you want to keep it."
              : "This deletes your account. Plans you are part of stay with their person; what you wrote in them stays, shown as written by a former member."}
          </p>
          <label>
            Your password, to confirm
            <input
              name="confirm-password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="danger" disabled={busy}>
            Delete my account
          </button>
        </form>
      </details>
      <button
        type="button"
        class="quiet"
        onClick={() => void leave()}
        disabled={busy}
      >
        Sign out
      </button>
    </section>
  )
}
