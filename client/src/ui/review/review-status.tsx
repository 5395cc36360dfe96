/** "Reviewed by … on …; next review due …", from the plan document (so also offline). */
import { type PlanDoc, reviewDue, reviewNote, reviews } from "../../docs/plan"
import { formatTime, type Names } from "../format"

const day = new Intl.DateTimeFormat("en-GB", { dateStyle: "long" })

export function formatDay(isoDate: string): string {
  return day.format(new Date(`${isoDate}T12:00:00Z`))
}

export function ReviewStatus({ doc, names }: { doc: PlanDoc; names: Names }) {
  const latest = reviews(doc).at(-1)
  if (latest === undefined) {
    return <p class="review-status">This plan has not been reviewed yet.</p>
  }
  const { signoff, reviewer } = latest
  const due = reviewDue(signoff.nextReview, new Date())
  const note = reviewNote(latest)
  return (
    <p
      class={due ? "review-status due" : "review-status"}
      data-review-due={due}
    >
      Reviewed by {names.of(reviewer)} on {formatTime(signoff.at)}.
      {note ? (
        <span class="review-note" data-review-note>
          {" "}
          Their note: “{note}”
        </span>
      ) : null}
      {signoff.nextReview ? (
        due ? (
          <strong>
            {" "}
            A review is due (since {formatDay(signoff.nextReview)}).
          </strong>
        ) : (
          <> Next review due {formatDay(signoff.nextReview)}.</>
        )
      ) : null}
    </p>
  )
}
