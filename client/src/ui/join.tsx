/** Accepting an invitation link: #/join/<code>. */
import { joinPlan } from "../plans/plans"
import type { Session } from "../plans/session"
import { Notice, useAction } from "./action"
import { go } from "./hooks"

export function Join({ session, code }: { session: Session; code: string }) {
  const { busy, error, run } = useAction()

  const accept = () =>
    run(async () => {
      const plan = await joinPlan(session, code)
      go(`plan/${plan.id}`)
    })

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
      <Notice>{error}</Notice>
      <p>
        <a href="#/">Back to my plans</a>
      </p>
    </section>
  )
}
