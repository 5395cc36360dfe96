/** Accepting an invitation link: #/join/<code>. Says whose plan it is before joining. */
import { useEffect, useState } from "preact/hooks"
import type { InvitePreview } from "../api/client"
import { api } from "../api/client"
import { NOT_A_CODE, normaliseCode } from "../api/invite-code"
import { joinPlan } from "../plans/plans"
import type { Session } from "../plans/session"
import { explain, Notice, useAction } from "./action"
import { roleName } from "./format"
import { go } from "./hooks"

type Preview =
  | { state: "loading" }
  | { state: "ready"; invite: InvitePreview }
  | { state: "failed"; message: string }

export function Join({ session, code }: { session: Session; code: string }) {
  const { busy, error, run } = useAction()
  const normal = normaliseCode(code)
  const [preview, setPreview] = useState<Preview>({ state: "loading" })

  useEffect(() => {
    if (normal === undefined) return
    api.previewInvite(normal).then(
      (invite) => setPreview({ state: "ready", invite }),
      (e: unknown) => setPreview({ state: "failed", message: explain(e) })
    )
  }, [normal])

  const accept = () =>
    run(async () => {
      const plan = await joinPlan(session, code)
      go(`plan/${plan.id}`)
    })

  const invite = preview.state === "ready" ? preview.invite : undefined
  const own = invite?.yourRole === "person"
  const member = invite?.yourRole !== undefined && invite.yourRole !== null
  return (
    <section aria-labelledby="join-title">
      <h1 id="join-title">
        {invite ? `${invite.personName}'s safety plan` : "Join a safety plan"}
      </h1>
      {normal === undefined ? (
        <Notice>{NOT_A_CODE}</Notice>
      ) : own ? (
        <p class="note" data-own-invite>
          This is your own invitation, for someone else to join your plan as
          your {roleName(invite.role)}. You cannot use it yourself, and it is
          still valid: send them the link or the code.
        </p>
      ) : member ? (
        <p class="note">
          You are already in {invite.personName}'s plan, as their{" "}
          {roleName(invite.yourRole)}. This invitation is still valid for
          someone else.
        </p>
      ) : (
        <>
          <p>
            {invite
              ? `${invite.personName} has invited you to their safety plan as their ${roleName(invite.role)}.`
              : "You have been invited to someone's safety plan."}{" "}
            You join as {session.account.displayName} and will see the parts
            they share with you.
          </p>
          {preview.state === "failed" ? (
            <Notice>{preview.message}</Notice>
          ) : null}
          <button
            type="button"
            class="primary"
            disabled={busy}
            onClick={() => void accept()}
          >
            {invite ? `Join ${invite.personName}'s plan` : "Join this plan"}
          </button>
          <Notice>{error}</Notice>
        </>
      )}
      <p>
        <a href="#/">Back to my plans</a>
      </p>
    </section>
  )
}
