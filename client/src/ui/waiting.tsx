/** On the person's home: how many suggestions wait for them, opening the list of them all. */
import type { DocHandle, DocumentId } from "@automerge/automerge-repo"
import { useEffect, useState } from "preact/hooks"
import type { Plan } from "../api/client"
import { type PlanDoc, pendingProposals } from "../docs/plan"
import type { Session } from "../plans/session"
import { useDoc } from "./hooks"

function Count({
  handle,
  planId,
}: {
  handle: DocHandle<PlanDoc>
  planId: string
}) {
  const doc = useDoc(handle)
  if (doc === undefined) return null
  const count = pendingProposals(doc).length
  if (count === 0) {
    return (
      <p class="muted" data-waiting="0">
        No suggestions wait for you.
      </p>
    )
  }
  return (
    <a
      class="waiting-link"
      href={`#/plan/${planId}/suggestions`}
      data-waiting={count}
    >
      {count} {count === 1 ? "suggestion waits" : "suggestions wait"} for you
    </a>
  )
}

export function WaitingSuggestions({
  session,
  plan,
}: {
  session: Session
  plan: Plan
}) {
  const [handle, setHandle] = useState<DocHandle<PlanDoc> | undefined>()
  useEffect(() => {
    let live = true
    session.repo
      .find<PlanDoc>(plan.documentId as DocumentId, {
        allowableStates: ["ready", "unavailable"],
      })
      .then(
        (found) => {
          if (live) setHandle(found)
        },
        () => undefined // not on this phone yet: the plan screen says so
      )
    return () => {
      live = false
    }
  }, [session, plan.documentId])
  return handle ? <Count handle={handle} planId={plan.id} /> : null
}
