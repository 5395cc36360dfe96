/** The whole plan: every section this member can see, in the template's order. */
import { useEffect } from "preact/hooks"
import { actorOf, type PlanDoc } from "../../docs/plan"
import { type Section, sections } from "../../docs/template"
import type { OpenDocument } from "../../plans/plans"
import type { Session } from "../../plans/session"
import { formatTime, memberName, whosePlan } from "../format"
import { useDoc } from "../hooks"
import { ReviewStatus } from "../review/review-status"
import { PlanFrame } from "./plan-frame"
import { SectionView } from "./section-view"
import type { LoadedPlan } from "./use-plan"

function actorsIn(doc: PlanDoc): (string | undefined)[] {
  const actors: (string | undefined)[] = []
  for (const items of Object.values(doc.sections)) {
    for (const item of items) actors.push(actorOf(item), actorOf(item.edit))
  }
  for (const p of doc.proposals) actors.push(actorOf(p), actorOf(p.edit))
  return actors
}

function heading(
  section: Section,
  document: OpenDocument,
  plan: LoadedPlan,
  session: Session
): string {
  if (section.audience !== "carer") return section.title
  const carerId = document.audience.slice("carer:".length)
  if (carerId === session.account.id) return section.title
  return `Notes from ${memberName(plan.members, carerId)} (carer)`
}

function DocumentSections({
  session,
  plan,
  document,
  only,
}: {
  session: Session
  plan: LoadedPlan
  document: OpenDocument
  only: Section
}) {
  const doc = useDoc(document.handle)
  useEffect(() => {
    if (doc !== undefined && actorsIn(doc).some((a) => !plan.names.known(a))) {
      plan.refreshNames()
    }
  }, [doc, plan.names])
  if (doc === undefined) {
    return (
      <section class="section" aria-label={only.title}>
        <h2>{only.title}</h2>
        <p class="empty">
          This part of the plan has not reached this phone yet. It will appear
          when it has synced.
        </p>
      </section>
    )
  }
  return (
    <SectionView
      session={session}
      section={only}
      heading={heading(only, document, plan, session)}
      handle={document.handle}
      doc={doc}
      role={plan.open.role}
      names={plan.names}
    />
  )
}

function RootReviewStatus({ plan }: { plan: LoadedPlan }) {
  const root = plan.open.documents.find((d) => d.kind === "everyone")
  if (root === undefined) return null
  return <RootStatus handle={root.handle} plan={plan} />
}

function RootStatus({
  handle,
  plan,
}: {
  handle: OpenDocument["handle"]
  plan: LoadedPlan
}) {
  const doc = useDoc(handle)
  return doc ? <ReviewStatus doc={doc} names={plan.names} /> : null
}

/**
 * "Safety plan of <name> · printed <date>" at the top of every printed page: an
 * @page margin box (styles.css) shows the --print-running custom property, set
 * here through the CSSOM (the CSP allows no inline styles) and renewed just
 * before printing so the date is the printing's.
 */
function PrintRunningHead({ owner }: { owner: string }) {
  useEffect(() => {
    const root = document.documentElement.style
    const set = () => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripped on purpose
      const text = `Safety plan of ${owner.replace(/[\u0000-\u001f]/g, " ")} · printed ${formatTime(Date.now())}`
      root.setProperty("--print-running", JSON.stringify(text))
    }
    set()
    window.addEventListener("beforeprint", set)
    return () => {
      window.removeEventListener("beforeprint", set)
      root.removeProperty("--print-running")
    }
  }, [owner])
  return null
}

/** Whose plan it is: the member with the person's role (the account, for the person). */
function ownerName(plan: LoadedPlan, session: Session): string {
  if (plan.open.role === "person") return session.account.displayName
  return (
    plan.members.find((m) => m.role === "person")?.displayName ?? "the person"
  )
}

export function PlanScreen({
  session,
  planId,
}: {
  session: Session
  planId: string
}) {
  return (
    <PlanFrame session={session} planId={planId} current="plan">
      {(plan) => (
        <article aria-labelledby="plan-title">
          <PrintRunningHead owner={ownerName(plan, session)} />
          <h1 id="plan-title">
            {whosePlan(plan.open.plan)?.title ?? plan.open.plan.title}
          </h1>
          {whosePlan(plan.open.plan) ? (
            <p class="lead" data-whose-plan>
              {whosePlan(plan.open.plan)?.you}.
            </p>
          ) : null}
          <RootReviewStatus plan={plan} />
          <p class="print-only">
            Printed {formatTime(Date.now())}. Each item shows who wrote it and
            who changed it last. Suggestions not yet agreed by{" "}
            {ownerName(plan, session)} are left out.
          </p>
          <button
            type="button"
            class="quiet no-print"
            onClick={() => window.print()}
          >
            Print this plan
          </button>
          {plan.open.role === "viewer" ? (
            <p class="note">
              You can read this plan. Only its members can change it.
            </p>
          ) : null}
          {sections.flatMap((section) =>
            plan.open.documents
              .filter((d) => d.kind === section.audience)
              .map((d) => (
                <DocumentSections
                  key={`${section.id}-${d.handle.documentId}`}
                  session={session}
                  plan={plan}
                  document={d}
                  only={section}
                />
              ))
          )}
        </article>
      )}
    </PlanFrame>
  )
}
