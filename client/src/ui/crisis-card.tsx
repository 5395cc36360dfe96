/**
 * The crisis card: one screen with warning signs, what I can do, people and
 * places, who to call with one tap, and national crisis lines. It reads only
 * from this phone, so it works with no signal and no server.
 */
import { checkPhone, shown, smsHref, telHref } from "../docs/phone"
import type { PlanDoc } from "../docs/plan"
import { visibleItems } from "../docs/plan"
import { crisisSections, template } from "../docs/template"
import type { OpenDocument } from "../plans/plans"
import type { Session } from "../plans/session"
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

function CrisisLines() {
  return (
    <section class="lines" aria-labelledby="lines-title">
      <h2 id="lines-title">If you need help now</h2>
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
    <PlanFrame session={session} planId={planId} current="card">
      {(plan) => {
        const root = plan.open.documents.find((d) => d.kind === "everyone")
        return (
          <article class="crisis" aria-labelledby="card-title">
            <h1 id="card-title">Crisis card</h1>
            <p class="lead">Take it one step at a time.</p>
            {root ? <Steps document={root} /> : null}
            <CrisisLines />
          </article>
        )
      }}
    </PlanFrame>
  )
}
