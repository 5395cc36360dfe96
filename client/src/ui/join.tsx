/** Accepting an invitation link: #/join/<code>. */
import { useState } from "preact/hooks"
import { joinPlan } from "../plans/plans"
import type { Session } from "../plans/session"
import { explain } from "./home"
import { go } from "./hooks"

export function Join({ session, code }: { session: Session; code: string }) {
  const [error, setError] = useState("")
  const [busy, setBusy] = useState(false)

  const accept = async () => {
    setBusy(true)
    setError("")
    try {
      const plan = await joinPlan(session, code)
      go(`plan/${plan.id}`)
    } catch (e) {
      setError(explain(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="join-title">
      <h1 id="join-title">Join a safety plan</h1>
      <p>
        You have been invited to someone's safety plan as{" "}
        {session.account.displayName}. You will see the parts they share with
        you.
      </p>
      <button
        type="button"
        class="primary"
        disabled={busy}
        onClick={() => void accept()}
      >
        Join this plan
      </button>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <p>
        <a href="#/">Back to my plans</a>
      </p>
    </section>
  )
}
