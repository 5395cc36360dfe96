/** Every suggestion waiting in the plan, across its sections, to decide in one place. */
import { type PlanDoc, pendingProposals } from "../../docs/plan"
import { sections } from "../../docs/template"
import type { OpenDocument } from "../../plans/plans"
import type { Session } from "../../plans/session"
import { useDoc } from "../hooks"
import { PlanFrame } from "./plan-frame"
import { SuggestionList } from "./suggestion-list"
import type { LoadedPlan } from "./use-plan"

function Waiting({
  session,
  plan,
  document,
}: {
  session: Session
  plan: LoadedPlan
  document: OpenDocument
}) {
  const doc: PlanDoc | undefined = useDoc(document.handle)
  if (doc === undefined) {
    return (
      <p class="empty">
        The plan has not reached this phone yet. Its suggestions will appear
        when it has synced.
      </p>
    )
  }
  const waiting = pendingProposals(doc)
  const count = waiting.length
  const shown = sections.filter(
    (s) => s.audience === "everyone" && waiting.some((p) => p.section === s.id)
  )
  return (
    <>
      <p class="lead" role="status" data-waiting={count}>
        {count === 0
          ? "No suggestions wait for you."
          : `${count} ${count === 1 ? "suggestion waits" : "suggestions wait"} for you. Accept one as it is, put it in your own words, or decline it.`}
      </p>
      {shown.map((s) => (
        <section
          key={s.id}
          class="section"
          aria-labelledby={`waiting-${s.id}`}
          data-section={s.id}
        >
          <h2 id={`waiting-${s.id}`}>{s.title}</h2>
          <SuggestionList
            session={session}
            handle={document.handle}
            doc={doc}
            sectionId={s.id}
            kind={s.itemKind}
            heading={s.title}
            role={plan.open.role}
            names={plan.names}
            readOnly={false}
          />
        </section>
      ))}
    </>
  )
}

export function SuggestionsScreen({
  session,
  planId,
}: {
  session: Session
  planId: string
}) {
  return (
    <PlanFrame session={session} planId={planId} current="suggestions">
      {(plan) => {
        const root = plan.open.documents.find((d) => d.kind === "everyone")
        return (
          <article aria-labelledby="suggestions-title">
            <h1 id="suggestions-title">Suggestions for your plan</h1>
            {root ? (
              <Waiting session={session} plan={plan} document={root} />
            ) : (
              <p class="empty">This plan has no shared part on this phone.</p>
            )}
            <a href={`#/plan/${planId}`}>Back to the plan</a>
          </article>
        )
      }}
    </PlanFrame>
  )
}
