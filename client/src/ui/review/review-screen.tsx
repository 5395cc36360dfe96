/**
 * Before an appointment: everything that changed since the last review, by
 * whom, conflicts first; a clinician marks it reviewed (in the plan document,
 * so it also works offline), and the next digest starts from there.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import { type Digest, reviewApi } from "../../api/review"
import { localDay, MAX_TEXT, signOff } from "../../docs/plan"
import { change } from "../../plans/plans"
import type { Session } from "../../plans/session"
import { explain, Notice, useAction } from "../action"
import { useDoc, useEventValue, useHeads } from "../hooks"
import { limited, Remaining } from "../plan/item-form"
import { PlanFrame } from "../plan/plan-frame"
import type { LoadedPlan } from "../plan/use-plan"
import { DigestView } from "./digest-view"
import { ReviewStatus } from "./review-status"

type Load =
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "ready"; digest: Digest }

function SignOffForm({
  onSign,
}: {
  onSign: (note: string, nextReview: string | undefined) => void
}) {
  const [note, setNote] = useState("")
  const [next, setNext] = useState("")
  const [cut, setCut] = useState("")
  const { busy, error, run } = useAction()
  const dateField = useRef<HTMLInputElement>(null)
  const today = localDay(new Date())
  return (
    <form
      class="card"
      noValidate
      onSubmit={(event) => {
        event.preventDefault()
        void run(() => {
          // The picker offers no earlier day; a typed one is refused here, in words
          // (noValidate: this message, not the browser's bubble, says why).
          if (dateField.current?.validity.badInput) {
            throw new Error(
              "The next review date is not a whole date. Finish it, or clear it."
            )
          }
          if (next && !/^\d{4}-\d{2}-\d{2}$/.test(next)) {
            // A keyboard can type a year of five or six digits; the plan takes four.
            throw new Error("The next review date needs a year of four digits.")
          }
          if (next && next < localDay(new Date())) {
            throw new Error(
              "The next review date has passed. Choose today or a later day, or leave it empty."
            )
          }
          onSign(note, next || undefined)
        })
      }}
    >
      <h2>Mark reviewed</h2>
      <p>
        Records that you reviewed everything above. Everyone in the plan sees
        it, and the next digest starts from here.
      </p>
      <label>
        Note (optional)
        <textarea
          name="note"
          rows={2}
          value={note}
          onInput={(e) => {
            const field = e.currentTarget
            const [kept, told] = limited(field.value, MAX_TEXT, "a note")
            if (kept !== field.value) field.value = kept
            setNote(kept)
            setCut(told)
          }}
        />
        <Remaining length={note.length} max={MAX_TEXT} />
      </label>
      <label>
        Next review due
        <input
          name="nextReview"
          type="date"
          ref={dateField}
          min={today}
          max="9999-12-31"
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
        />
      </label>
      <Notice>{cut}</Notice>
      <Notice>{error}</Notice>
      <button type="submit" class="primary" disabled={busy}>
        Mark reviewed
      </button>
    </form>
  )
}

function ReviewPage({ session, plan }: { session: Session; plan: LoadedPlan }) {
  const planId = plan.open.plan.id
  const root = plan.open.documents.find((d) => d.kind === "everyone")
  const doc = useDoc(root?.handle ?? plan.open.documents[0]?.handle ?? never())
  const status = useEventValue(
    plan.monitor,
    "change",
    () => plan.monitor.status
  )
  const handles = useMemo(
    () => plan.open.documents.map((d) => d.handle),
    [plan.open]
  )
  // The digest follows the documents: asked again whenever one of them moves
  // and everything is on the server (our own sign-off included).
  const heads = useHeads(handles)
  const [load, setLoad] = useState<Load>({ state: "loading" })
  // The digest (its `until`) signed on this screen: signed once, however often tapped.
  const signedRef = useRef<string | undefined>(undefined)
  const [signed, setSigned] = useState<string | undefined>(undefined)

  useEffect(() => {
    if (status.state === "syncing") return // asked once everything is there
    if (status.state !== "saved") {
      setLoad({
        state: "failed",
        message:
          "The review digest needs a connection to the server. The plan itself is on this phone.",
      })
      return
    }
    reviewApi.digest(planId).then(
      (digest) => setLoad({ state: "ready", digest }),
      (e: unknown) => setLoad({ state: "failed", message: explain(e) })
    )
  }, [planId, status.state, heads])

  const shown = load.state === "ready" ? JSON.stringify(load.digest.until) : ""
  const sign = (note: string, nextReview: string | undefined) => {
    if (root === undefined || load.state !== "ready") return
    if (signedRef.current === shown) return
    const heads = load.digest.until
    change(session, root.handle, (d) => {
      signOff(d, heads, note, nextReview, Date.now())
    })
    signedRef.current = shown
    setSigned(shown)
  }

  return (
    <article aria-labelledby="review-title">
      <h1 id="review-title">Review</h1>
      {doc ? <ReviewStatus doc={doc} names={plan.names} /> : null}
      {load.state === "loading" ? (
        <p role="status">Gathering the changes…</p>
      ) : null}
      {load.state === "failed" ? <Notice>{load.message}</Notice> : null}
      {load.state === "ready" ? (
        <>
          <p class="lead">
            {load.digest.since
              ? `Changes since the review by ${load.digest.since.reviewerName ?? "a clinician"}`
              : "Every change since the plan began (it has not been reviewed yet)"}
          </p>
          <DigestView digest={load.digest} />
          {plan.open.role === "clinician" && signed !== shown ? (
            <SignOffForm onSign={sign} />
          ) : null}
          {signed !== undefined ? (
            <p role="status" class="note">
              Marked reviewed. It reaches everyone when this phone syncs.
            </p>
          ) : null}
        </>
      ) : null}
    </article>
  )
}

function never(): never {
  throw new Error("a plan always has its shared document")
}

export function ReviewScreen({
  session,
  planId,
}: {
  session: Session
  planId: string
}) {
  return (
    <PlanFrame session={session} planId={planId} current="review">
      {(plan) => <ReviewPage session={session} plan={plan} />}
    </PlanFrame>
  )
}
