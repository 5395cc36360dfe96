/** Who is in the plan's circle; the person invites and removes people. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks"
import { api, type Invite, type PendingInvite, type Role } from "../api/client"
import { reviewApi } from "../api/review"
import { unseenBy } from "../docs/template"
import type { Session } from "../plans/session"
import { Notice, useAction } from "./action"
import { formatTime, roleName } from "./format"
import { PlanFrame } from "./plan/plan-frame"
import type { LoadedPlan } from "./plan/use-plan"

const INVITE_ROLES: readonly (readonly [Role, string])[] = [
  ["carer", "Carer, family member or friend"],
  ["clinician", "Clinician"],
  ["viewer", "Someone who can read it only"],
]

/** The invitation just made: in view, focused, with its code, link, Copy and Share. */
function NewInvitation({ invite }: { invite: Invite }) {
  const card = useRef<HTMLElement>(null)
  const [told, setTold] = useState("")
  const link = `${location.origin}/#/join/${invite.code}`
  const canShare = typeof navigator.share === "function"
  const text = `Join my safety plan as my ${roleName(invite.role)}: ${link} (code ${invite.code})`

  useEffect(() => {
    card.current?.scrollIntoView({ block: "start" })
    card.current?.focus()
  }, [])

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link)
      setTold("Link copied. Paste it into a message to them.")
    } catch {
      setTold(
        "This browser did not let the app copy. Select the link and copy it."
      )
    }
  }

  const share = async () => {
    try {
      await navigator.share({ title: "My safety plan", text, url: link })
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return
      setTold("Sharing did not work here. Copy the link instead.")
    }
  }

  return (
    <section
      class="card"
      aria-labelledby="invite-title"
      tabIndex={-1}
      ref={card}
      data-new-invite
    >
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
      <div class="actions">
        <button type="button" onClick={() => void copy()}>
          Copy link
        </button>
        {canShare ? (
          <button type="button" onClick={() => void share()}>
            Share…
          </button>
        ) : null}
      </div>
      <p role="status">{told}</p>
      <p class="muted">
        It works once, for one person, and expires{" "}
        {formatTime(Date.parse(invite.expiresAt))}.
      </p>
    </section>
  )
}

function PeopleScreen({
  session,
  plan,
}: {
  session: Session
  plan: LoadedPlan
}) {
  const planId = plan.open.plan.id
  const isPerson = plan.open.role === "person"
  const [role, setRole] = useState<Role>("carer")
  const [invite, setInvite] = useState<Invite | undefined>()
  const { busy, error, run } = useAction()
  const [pending, setPending] = useState<PendingInvite[] | undefined>()
  const cancelling = useAction()
  const unseen = unseenBy(role)

  const refreshPending = useCallback(() => {
    if (!isPerson) return
    api.invites(planId).then(setPending, () => setPending(undefined))
  }, [planId, isPerson])
  useEffect(refreshPending, [refreshPending])

  const create = (event: Event) => {
    event.preventDefault()
    void run(async () => {
      setInvite(await api.invite(planId, role))
      refreshPending()
    })
  }

  const cancel = (pendingInvite: PendingInvite) =>
    cancelling.run(async () => {
      await api.cancelInvite(planId, pendingInvite.id)
      if (invite?.id === pendingInvite.id) setInvite(undefined)
      refreshPending()
    })

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
          <p data-invite-scope>
            {unseen.length > 0
              ? `A ${roleName(role)} will see the shared parts of your plan, but not: ${unseen.join("; ")}.`
              : `A ${roleName(role)} will see all of your plan.`}{" "}
            A carer can add their own notes and suggest things; you decide what
            goes in your plan.
          </p>
          <label>
            They are
            <select
              value={role}
              onChange={(e) => setRole(e.currentTarget.value as Role)}
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
          <Notice>{error}</Notice>
        </form>
      ) : null}
      {invite ? <NewInvitation key={invite.id} invite={invite} /> : null}
      {isPerson && pending !== undefined && pending.length > 0 ? (
        <section class="card" aria-labelledby="pending-title">
          <h2 id="pending-title">Invitations not used yet</h2>
          <ul class="members">
            {pending.map((p) => (
              <li key={p.id} data-pending-invite={p.id}>
                <span>
                  For a {roleName(p.role)}
                  <span class="muted">
                    {" "}
                    · made {formatTime(Date.parse(p.createdAt))}, expires{" "}
                    {formatTime(Date.parse(p.expiresAt))}
                  </span>
                </span>
                <button
                  type="button"
                  class="quiet"
                  disabled={cancelling.busy}
                  onClick={() => void cancel(p)}
                  aria-label={`Cancel the invitation for a ${roleName(p.role)} made ${formatTime(Date.parse(p.createdAt))}`}
                >
                  Cancel
                </button>
              </li>
            ))}
          </ul>
          <p class="muted">
            A code is shown only when it is made. If one is lost, cancel it and
            make a new one.
          </p>
          <Notice>{cancelling.error}</Notice>
        </section>
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
