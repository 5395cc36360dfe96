/** Who is in the plan's circle; the person invites and removes people. */
import { useState } from "preact/hooks"
import { api, type Invite } from "../api/client"
import { reviewApi } from "../api/review"
import type { Session } from "../plans/session"
import { Notice, useAction } from "./action"
import { roleName } from "./format"
import { PlanFrame } from "./plan/plan-frame"
import type { LoadedPlan } from "./plan/use-plan"

const INVITE_ROLES = [
  ["carer", "Carer, family member or friend"],
  ["clinician", "Clinician"],
  ["viewer", "Someone who can read it only"],
] as const

function PeopleScreen({
  session,
  plan,
}: {
  session: Session
  plan: LoadedPlan
}) {
  const planId = plan.open.plan.id
  const isPerson = plan.open.role === "person"
  const [role, setRole] = useState<string>("carer")
  const [invite, setInvite] = useState<Invite | undefined>()
  const { busy, error, run } = useAction()

  const create = (event: Event) => {
    event.preventDefault()
    void run(async () => setInvite(await api.invite(planId, role)))
  }

  const revoke = (userId: string, name: string) =>
    run(async () => {
      if (
        !window.confirm(
          `Remove ${name} from your plan? They will stop receiving it at once.`
        )
      ) {
        return
      }
      await api.revoke(planId, userId)
      plan.refreshNames()
    })

  const link = invite ? `${location.origin}/#/join/${invite.code}` : ""
  return (
    <article aria-labelledby="people-title">
      <h1 id="people-title">People in this plan</h1>
      {plan.members.length > 0 ? (
        <ul class="members">
          {plan.members.map((m) => (
            <li key={m.userId}>
              <span>
                {m.userId === session.account.id
                  ? `${m.displayName} (you)`
                  : m.displayName}
                <span class="muted">
                  {" "}
                  ·{" "}
                  {m.role === "person" ? "the plan's person" : roleName(m.role)}
                </span>
              </span>
              {isPerson && m.role !== "person" ? (
                <button
                  type="button"
                  class="quiet"
                  onClick={() => void revoke(m.userId, m.displayName)}
                  aria-label={`Remove ${m.displayName}`}
                >
                  Remove
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p>The list of people appears when this phone is online.</p>
      )}
      {isPerson ? (
        <form class="card" onSubmit={create}>
          <h2>Invite someone</h2>
          <p>
            They will see the shared parts of your plan, not your reasons for
            living. A carer can add their own notes and suggest things; you
            decide what goes in your plan.
          </p>
          <label>
            They are
            <select
              value={role}
              onChange={(e) => setRole(e.currentTarget.value)}
            >
              {INVITE_ROLES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Create invitation
          </button>
        </form>
      ) : null}
      {isPerson ? (
        <section class="card" aria-labelledby="export-title">
          <h2 id="export-title">Your data</h2>
          <p>
            Download your whole plan with its history and who wrote what, as a
            file you can keep or take to another service.
          </p>
          <a
            class="big button-link"
            href={reviewApi.exportUrl(planId)}
            download
          >
            Download my plan (JSON)
          </a>
        </section>
      ) : null}
      {invite ? (
        <section class="card" aria-labelledby="invite-title" role="status">
          <h2 id="invite-title">Invitation for a {roleName(invite.role)}</h2>
          <p>
            Code:{" "}
            <strong class="code" data-invite-code={invite.code}>
              {invite.code}
            </strong>
          </p>
          <p>
            Or send this link: <a href={link}>{link}</a>
          </p>
          <p class="muted">It works once and expires in 7 days.</p>
        </section>
      ) : null}
      <Notice>{error}</Notice>
    </article>
  )
}

export function People({
  session,
  planId,
}: {
  session: Session
  planId: string
}) {
  return (
    <PlanFrame session={session} planId={planId} current="people">
      {(plan) => <PeopleScreen session={session} plan={plan} />}
    </PlanFrame>
  )
}
