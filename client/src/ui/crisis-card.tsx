/**
 * The crisis card: one screen, read only from this phone, so it works with no
 * signal and no server. From the top: "Get help now" (one tap to each national
 * crisis line in the template, the number on each button), the person's own
 * reasons for living (on their phone only: that section is in the person-only
 * document, which carers and clinicians never receive), then the plan's steps in
 * order (warning signs, what I can do, people and places, who to call).
 */
import { checkPhone, shown, smsHref, telHref } from "../docs/phone"
import type { PlanDoc } from "../docs/plan"
import { visibleItems } from "../docs/plan"
import { crisisSections, section, template } from "../docs/template"
import type { OpenDocument } from "../plans/plans"
import type { Session } from "../plans/session"
import { cardLead, cardTitle } from "./format"
import { useDoc } from "./hooks"
import { PhoneActions } from "./phone-actions"
import { PlanFrame } from "./plan/plan-frame"

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
                        <PhoneActions name={item.text} phone={item.phone} big />
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

/** The person's reasons for living, from their own (person-only) document. */
function Reasons({ document }: { document: OpenDocument }) {
  const doc: PlanDoc | undefined = useDoc(document.handle)
  const reasons = section("reasons")
  if (doc === undefined || reasons === undefined) return null
  const items = visibleItems(doc, reasons.id)
  return (
    <section class="reasons" aria-labelledby="reasons-title">
      <h2 id="reasons-title">My {reasons.title.toLowerCase()}</h2>
      {items.length === 0 ? (
        <p class="empty">
          Nothing written yet. You can add them in your plan; only you see them.
        </p>
      ) : (
        <ul>
          {items.map((item) => (
            <li key={item.id}>{item.text}</li>
          ))}
        </ul>
      )}
    </section>
  )
}

function CrisisLines() {
  return (
    <section class="lines" aria-labelledby="lines-title">
      <h2 id="lines-title">Get help now</h2>
      <ul>
        {template.crisisLines.lines.map((line) => {
          // The template's numbers go through the same check as the person's own
          // (docs/phone.ts); its unit tests cover every number in the template.
          const check = checkPhone(line.phone)
          if (!check.ok) return null
          const sms = line.action === "sms"
          return (
            <li key={line.name}>
              <a
                class={sms ? "text-link big" : "call big"}
                href={sms ? smsHref(check, line.body) : telHref(check)}
              >
                {sms ? "Text" : "Call"} {line.name}{" "}
                <span class="number">{line.display ?? shown(check)}</span>
              </a>
              <span class="muted">{line.note}</span>
            </li>
          )
        })}
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
    // The national lines never wait for the plan: they show while it opens, and even if
    // it cannot be opened on this phone.
    <PlanFrame
      session={session}
      planId={planId}
      current="card"
      always={<CrisisLines />}
    >
      {(plan) => {
        const root = plan.open.documents.find((d) => d.kind === "everyone")
        // Only the person's own phone holds this document (the server never sends
        // it to anyone else), so only their card shows their reasons for living.
        const own = plan.open.documents.find((d) => d.kind === "person")
        return (
          <article class="crisis" aria-labelledby="card-title">
            <h1 id="card-title">{cardTitle(plan.open.plan)}</h1>
            <CrisisLines />
            {own ? <Reasons document={own} /> : null}
            <p class="lead">{cardLead(plan.open.plan)}</p>
            {root ? <Steps document={root} /> : null}
          </article>
        )
      }}
    </PlanFrame>
  )
}
