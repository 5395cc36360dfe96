/** Past versions of the plan (at any review, or after any moment) and the timeline. */
import { useEffect, useMemo, useState } from "preact/hooks"
import {
  type ChangeRecord,
  type MembershipEvent,
  reviewApi,
} from "../../api/review"
import { type PlanDoc, reviewNote, reviews } from "../../docs/plan"
import { sections } from "../../docs/template"
import type { Session } from "../../plans/session"
import { formatTime } from "../format"
import { explain } from "../home"
import { useDoc, useHeads } from "../hooks"
import { PlanFrame } from "../plan/plan-frame"
import { SectionView } from "../plan/section-view"
import type { LoadedPlan } from "../plan/use-plan"
import { type Moment, moments, viewAt } from "./history"
import { MembershipList } from "./membership"
import { Timeline } from "./timeline"

function PastVersion({
  session,
  plan,
  moment,
}: {
  session: Session
  plan: LoadedPlan
  moment: Moment
}) {
  // Decoding every change to find the heads is the costly part: once per moment
  // (and again only if a document moved, e.g. a missing change arrived: heads).
  const handles = useMemo(
    () => plan.open.documents.map((d) => d.handle),
    [plan.open]
  )
  const heads = useHeads(handles)
  const views = useMemo(
    () =>
      plan.open.documents.map((d) => {
        const hashes = moment.heads[d.handle.documentId]
        const doc =
          d.handle.isReady() && hashes
            ? viewAt(d.handle.doc(), hashes)
            : undefined
        return { d, doc }
      }),
    [plan.open, moment, heads]
  )
  return (
    <section aria-labelledby="past-title" class="past">
      <h2 id="past-title">The plan after: {moment.label}</h2>
      <p class="note">A past version, read-only.</p>
      {sections.flatMap((s) =>
        views
          .filter(({ d, doc }) => d.kind === s.audience && doc !== undefined)
          .map(({ d, doc }) => (
            <SectionView
              key={`${s.id}-${d.handle.documentId}`}
              session={session}
              section={s}
              heading={s.title}
              handle={d.handle}
              doc={doc as PlanDoc}
              role={plan.open.role}
              names={plan.names}
              readOnly
            />
          ))
      )}
    </section>
  )
}

function firstHandle(plan: LoadedPlan) {
  const first = plan.open.documents[0]
  if (first === undefined) throw new Error("a plan has at least one document")
  return first.handle
}

function HistoryPage({
  session,
  plan,
}: {
  session: Session
  plan: LoadedPlan
}) {
  const root = plan.open.documents.find((d) => d.kind === "everyone")
  const rootDoc = useDoc(root?.handle ?? firstHandle(plan))
  const [changes, setChanges] = useState<ChangeRecord[] | undefined>()
  const [membership, setMembership] = useState<MembershipEvent[]>([])
  const [error, setError] = useState("")
  const [chosen, setChosen] = useState<Moment | undefined>()

  useEffect(() => {
    reviewApi
      .changes(plan.open.plan.id)
      .then(setChanges, (e: unknown) => setError(explain(e)))
    reviewApi
      .membership(plan.open.plan.id)
      .then(setMembership, (e: unknown) => setError(explain(e)))
  }, [plan.open.plan.id])

  const reviewMoments: Moment[] = (rootDoc ? reviews(rootDoc) : []).map(
    (r) => ({
      label: `the review by ${plan.names.of(r.reviewer)} on ${formatTime(r.signoff.at)}`,
      heads: r.signoff.heads,
      note: reviewNote(r),
    })
  )

  return (
    <article aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      {error ? <p role="alert">{error}</p> : null}
      {changes ? (
        <Timeline changes={changes} />
      ) : error ? null : (
        <p role="status">Loading the history…</p>
      )}
      {chosen ? (
        <PastVersion session={session} plan={plan} moment={chosen} />
      ) : null}
      {reviewMoments.length > 0 ? (
        <section class="card" aria-labelledby="reviews-title">
          <h2 id="reviews-title">Reviews</h2>
          <ul class="moments">
            {reviewMoments.map((m) => (
              <li key={m.label}>
                <button type="button" onClick={() => setChosen(m)}>
                  View the plan as of {m.label}
                </button>
                {m.note ? (
                  <p class="review-note" data-review-note>
                    Their note: “{m.note}”
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {changes ? (
        <section class="card" aria-labelledby="moments-title">
          <h2 id="moments-title">Changes, newest first</h2>
          <ul class="moments">
            {moments(changes).map((m) => (
              <li key={m.label}>
                <button
                  type="button"
                  onClick={() => setChosen(m)}
                  aria-label={`View the plan after ${m.label}`}
                >
                  {m.label}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <MembershipList
        events={[...membership].reverse()}
        title="Who joined or left the plan, newest first"
      />
    </article>
  )
}

export function HistoryScreen({
  session,
  planId,
}: {
  session: Session
  planId: string
}) {
  return (
    <PlanFrame session={session} planId={planId} current="history">
      {(plan) => <HistoryPage session={session} plan={plan} />}
    </PlanFrame>
  )
}
