/**
 * A clinician's home: every plan they review, soonest review due first, then the most
 * unreviewed changes; one tap opens the plan's Review. Offline it shows what this phone
 * last received, and says how old that is.
 */
import { useEffect, useState } from "preact/hooks"
import type { Plan } from "../api/client"
import { type Caseload, type CaseloadPlan, reviewApi } from "../api/review"
import { localDay } from "../docs/plan"
import type { Session } from "../plans/session"
import { formatTime } from "./format"
import { useOnline } from "./hooks"
import { formatDay } from "./review/review-status"

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}

/** Overdue in words (and a mark), never by colour alone. */
function Due({ entry, day }: { entry: CaseloadPlan; day: string }) {
  const due = entry.nextReview
  if (!due) {
    return (
      <li data-due="none">
        {entry.lastReviewAt ? "No next review date set" : "Not reviewed yet"}
      </li>
    )
  }
  if (due < day) {
    return (
      <li class="overdue" data-due="overdue">
        <strong>
          <span aria-hidden="true">⚠ </span>Overdue: review was due{" "}
          {formatDay(due)}
        </strong>
      </li>
    )
  }
  return (
    <li data-due={due === day ? "today" : "later"}>
      {due === day ? "Review due today" : `Review due ${formatDay(due)}`}
    </li>
  )
}

function Entry({ entry, day }: { entry: CaseloadPlan; day: string }) {
  const who = entry.personName ?? "A former member"
  const since = entry.lastReviewAt
    ? "since the last review"
    : "since the plan began"
  return (
    <li class="caseload-entry" data-plan={entry.planId}>
      <a class="plan-link" href={`#/plan/${entry.planId}/review`}>
        {who}
        <span class="muted">Open Review</span>
      </a>
      <ul class="figures">
        <Due entry={entry} day={day} />
        <li data-changes={entry.changesSinceReview}>
          {plural(entry.changesSinceReview, "change", "changes")} {since}
        </li>
        <li data-conflicts={entry.conflicts ?? "unknown"}>
          {entry.conflicts === null
            ? "Conflicts: not checked since the latest changes (open Review)"
            : entry.conflicts === 0
              ? "No conflicts"
              : plural(entry.conflicts, "conflict", "conflicts")}
        </li>
        <li data-suggestions={entry.waitingSuggestions ?? "unknown"}>
          {entry.waitingSuggestions === null
            ? `Suggestions waiting for ${who}: not counted yet`
            : `${plural(entry.waitingSuggestions, "suggestion waits", "suggestions wait")} for ${who}`}
        </li>
        <li>
          {entry.lastChangedAt
            ? `Last changed ${formatTime(Date.parse(entry.lastChangedAt))}`
            : "Not changed yet"}
        </li>
      </ul>
    </li>
  )
}

export function CaseloadView({
  session,
  plans,
}: {
  session: Session
  plans: Plan[]
}) {
  const [caseload, setCaseload] = useState<Caseload | undefined>(
    () => session.store.caseload
  )
  const [fresh, setFresh] = useState(false)
  const online = useOnline()
  // Asked again when the phone reconnects or the list of plans changes (not on every render).
  const planIds = plans.map((p) => p.id).join()
  useEffect(() => {
    let live = true
    reviewApi.caseload().then(
      (answer) => {
        session.store.caseload = answer
        if (!live) return
        setCaseload(answer)
        setFresh(true)
      },
      () => {
        if (live) setFresh(false)
      }
    )
    return () => {
      live = false
    }
  }, [session, online, planIds])
  // A plan this phone no longer has (revoked, left) is not shown from an old copy.
  const kept = new Set(plans.map((p) => p.id))
  const entries = (caseload?.plans ?? []).filter((e) => kept.has(e.planId))
  const day = localDay(new Date())
  return (
    <section aria-labelledby="caseload-title" class="caseload">
      <h2 id="caseload-title">Your caseload</h2>
      {caseload === undefined ? (
        <p role="status">
          {fresh || online
            ? "Loading your caseload…"
            : "Your caseload has not reached this phone yet. It will load when the phone is connected."}
        </p>
      ) : (
        <>
          {fresh ? null : (
            <p class="note" role="status" data-caseload-as-of>
              Not connected: as this phone last saw it, at{" "}
              {formatTime(Date.parse(caseload.asOf))}.
            </p>
          )}
          <ol class="caseload-list">
            {entries.map((e) => (
              <Entry key={e.planId} entry={e} day={day} />
            ))}
          </ol>
        </>
      )}
    </section>
  )
}
