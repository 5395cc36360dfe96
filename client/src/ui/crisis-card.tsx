/**
 * The crisis card: one screen with warning signs, what I can do, people and
 * places, who to call with one tap, and national crisis lines. It reads only
 * from this phone, so it works with no signal and no server.
 */
import type { PlanDoc } from "../docs/plan"
import { visibleItems } from "../docs/plan"
import { crisisSections, template } from "../docs/template"
import type { OpenDocument } from "../plans/plans"
import type { Session } from "../plans/session"
import { cardLead, cardTitle } from "./format"
import { useDoc } from "./hooks"
import { telHref } from "./plan/item-view"
import { PlanFrame } from "./plan/plan-frame"

function smsHref(phone: string, body?: string): string {
  const number = phone.replace(/[^\d+]/g, "")
  return body
    ? `sms:${number}?&body=${encodeURIComponent(body)}`
    : `sms:${number}`
}

function Steps({ document }: { document: OpenDocument }) {
  const doc: PlanDoc | undefined = useDoc(document.handle)
  if (doc === undefined) {
    return <p>Your plan has not reached this phone yet.</p>
  }
  return (
    <ol class="steps">
      {crisisSections()
        .filter((s) => s.audience === "everyone")
        .map((s) => {
          const items = visibleItems(doc, s.id)
          return (
            <li key={s.id} class="step">
              <h2>{s.title}</h2>
              {items.length === 0 ? (
                <p class="empty">Nothing written here yet.</p>
              ) : (
                <ul>
                  {items.map((item) => (
                    <li key={item.id}>
                      <span class="text">{item.text}</span>
                      {item.phone ? (
                        <span class="contact-actions">
                          <a
                            class="call big"
                            href={telHref(item.phone)}
                            aria-label={`Call ${item.text}`}
                          >
                            Call
                          </a>
                          <a
                            class="text-link big"
                            href={smsHref(item.phone)}
                            aria-label={`Text ${item.text}`}
                          >
                            Text
                          </a>
                        </span>
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          )
        })}
    </ol>
  )
}

function CrisisLines() {
  return (
    <section class="lines" aria-labelledby="lines-title">
      <h2 id="lines-title">If you need help now</h2>
      <ul>
        {template.crisisLines.lines.map((line) => (
          <li key={line.name}>
            <a
              class="call big"
              href={
                line.action === "sms"
                  ? smsHref(line.phone, line.body)
                  : telHref(line.phone)
              }
            >
              {line.action === "sms" ? "Text" : "Call"} {line.name}{" "}
              {line.display ?? line.phone}
            </a>
            <span class="muted">{line.note}</span>
          </li>
        ))}
      </ul>
    </section>
  )
}

export function CrisisCard({
  session,
  planId,
}: {
  session: Session
  planId: string
}) {
  return (
    <PlanFrame session={session} planId={planId} current="card">
      {(plan) => {
        const root = plan.open.documents.find((d) => d.kind === "everyone")
        return (
          <article class="crisis" aria-labelledby="card-title">
            <h1 id="card-title">{cardTitle(plan.open.plan)}</h1>
            <p class="lead">{cardLead(plan.open.plan)}</p>
            {root ? <Steps document={root} /> : null}
            <CrisisLines />
          </article>
        )
      }}
    </PlanFrame>
  )
}
