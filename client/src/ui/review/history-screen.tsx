/** Past versions of the plan (at any review, or after any moment) and the timeline. */
import type * as A from "@automerge/automerge"
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
import { type Moment, PlanHistory, viewAt } from "./history"
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
  const handles = useMemo(
    () => plan.open.documents.map((d) => d.handle),
    [plan.open]
  )
  const heads = useHeads(handles)
  // A document's view at the moment's heads never changes once made: when a
  // document moves, only those the phone could not show yet are tried again,
  // and the sections are rendered again only if one of them now shows.
  const made = useMemo(
    () => new Map<string, A.Doc<PlanDoc>>(),
    [plan.open, moment]
  )
  const shown = useMemo(() => {
    for (const d of plan.open.documents) {
      const id = d.handle.documentId
      const hashes = moment.heads[id]
      if (made.has(id) || !hashes || !d.handle.isReady()) continue
      const doc = viewAt(d.handle.doc(), hashes)
      if (doc !== undefined) made.set(id, doc)
    }
    return made.size
  }, [plan.open, moment, made, heads])
  const rendered = useMemo(
    () =>
      sections.flatMap((s) =>
        plan.open.documents
          .filter((d) => d.kind === s.audience && made.has(d.handle.documentId))
          .map((d) => (
            <SectionView
              key={`${s.id}-${d.handle.documentId}`}
              session={session}
              section={s}
              heading={s.title}
              handle={d.handle}
              doc={made.get(d.handle.documentId) as PlanDoc}
              role={plan.open.role}
              names={plan.names}
              readOnly
            />
          ))
      ),
    [session, plan.open, plan.names, made, shown]
  )
  return (
    <section aria-labelledby="past-title" class="past">
      <h2 id="past-title">The plan after: {moment.label}</h2>
      <p class="note">A past version, read-only.</p>
      {rendered}
    </section>
  )
}

function firstHandle(plan: LoadedPlan) {
  const first = plan.open.documents[0]
  if (first === undefined) throw new Error("a plan has at least one document")
  return first.handle
}

function MomentList({
  moments,
  choose,
}: {
  moments: Moment[]
  choose: (m: Moment) => void
}) {
  return (
    <section class="card" aria-labelledby="moments-title">
      <h2 id="moments-title">Changes, newest first</h2>
      <ul class="moments">
        {moments.map((m) => (
          <li key={m.id}>
            <button
              type="button"
              onClick={() => choose(m)}
              aria-label={`View the plan after ${m.label}`}
            >
              {m.label}
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

type ServerHistory = {
  changes: ChangeRecord[] | undefined
  membership: MembershipEvent[]
  error: string
}

/**
 * The server's change log and membership events for the plan, asked for as
 * soon as the screen opens (alongside the plan itself, not after it).
 */
function useServerHistory(planId: string): ServerHistory {
  const [changes, setChanges] = useState<ChangeRecord[] | undefined>()
  const [membership, setMembership] = useState<MembershipEvent[]>([])
  const [error, setError] = useState("")
  useEffect(() => {
    reviewApi
      .changes(planId)
      .then(setChanges, (e: unknown) => setError(explain(e)))
    reviewApi
      .membership(planId)
      .then(setMembership, (e: unknown) => setError(explain(e)))
  }, [planId])
  return { changes, membership, error }
}

function HistoryPage({
  session,
  plan,
  server,
}: {
  session: Session
  plan: LoadedPlan
  server: ServerHistory
}) {
  const root = plan.open.documents.find((d) => d.kind === "everyone")
  const rootDoc = useDoc(root?.handle ?? firstHandle(plan))
  const { changes, membership, error } = server
  const [chosen, setChosen] = useState<Moment | undefined>()

  // The change graph, from this phone's copies: a document that moved costs
  // what arrived; the moments are worked out again only when that was a change
  // the server's list names and this phone lacked (PlanHistory).
  const history = useMemo(() => new PlanHistory(), [plan.open])
  const handles = useMemo(
    () => plan.open.documents.map((d) => d.handle),
    [plan.open]
  )
  const heads = useHeads(handles)
  useMemo(() => {
    for (const h of handles)
      if (h.isReady()) history.learn(h.documentId, h.doc())
  }, [history, handles, heads])
  const found = changes ? history.moments(changes) : undefined

  // The same vnode while their input is the same: Preact then skips the
  // subtree, so a render that did not change the history does no work there.
  const timeline = useMemo(
    () => (changes ? <Timeline changes={changes} /> : null),
    [changes]
  )
  const momentList = useMemo(
    () => (found ? <MomentList moments={found} choose={setChosen} /> : null),
    [found]
  )
  const joined = useMemo(
    () => (
      <MembershipList
        events={[...membership].reverse()}
        title="Who joined or left the plan, newest first"
      />
    ),
    [membership]
  )
  const reviewMoments: Moment[] = useMemo(
    () =>
      (rootDoc ? reviews(rootDoc) : []).map((r) => ({
        id: `review-${r.item.id}`,
        label: `the review by ${plan.names.of(r.reviewer)} on ${formatTime(r.signoff.at)}`,
        heads: r.signoff.heads,
        note: reviewNote(r),
      })),
    [rootDoc, plan.names]
  )

  return (
    <article aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      {error ? <p role="alert">{error}</p> : null}
      {changes ? (
        timeline
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
              <li key={m.id}>
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
      {momentList}
      {joined}
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
  const server = useServerHistory(planId)
  return (
    <PlanFrame session={session} planId={planId} current="history">
      {(plan) => <HistoryPage session={session} plan={plan} server={server} />}
    </PlanFrame>
  )
}
