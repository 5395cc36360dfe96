/** Every plan screen's frame: title, navigation, the sync status; loads the plan. */
import type { ComponentChildren } from "preact"
import type { Session } from "../../plans/session"
import type { ServerLink } from "../../repo"
import type { ServerNotice } from "../../sync/server-socket"
import type { SyncStatus } from "../../sync/status"
import { formatTime } from "../format"
import { useEventValue, useOnline } from "../hooks"
import { type LoadedPlan, usePlan } from "./use-plan"

const clock = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
})

/** "17:05" today, the full date and time otherwise. */
function formatSynced(ms: number): string {
  const today = new Date().toDateString() === new Date(ms).toDateString()
  return today ? clock.format(ms) : formatTime(ms)
}

const STATUS_TEXT: Record<SyncStatus["state"], string> = {
  saved: "Saved on the server",
  syncing: "Syncing…",
  offline: "Offline · all had reached the server",
  "device-only": "Offline · changes only on this phone",
}

/** What a refusal means for the person, by its reason (docs/architecture.md). */
function explainRefusal(notice: ServerNotice): string | undefined {
  switch (notice.reason) {
    case "read-only":
      return "The server did not accept a change from this phone: you can read this plan but not change it. Your change is only on this phone."
    case "change-refused":
      return `The server did not accept a change from this phone (${notice.message}). Your change is only on this phone.`
    case "credential-revoked":
    case "credential-expired":
    case "unauthenticated":
    case "account-deleted":
      return undefined // the app's banner says the sign-in has ended
    default:
      return `The server closed this phone's connection: ${notice.message}`
  }
}

/** The device has a network but the server is unreachable or refused us: not "offline". */
function label(
  state: SyncStatus["state"],
  online: boolean,
  refused: boolean
): string {
  // Never "Syncing…" for a change the server has refused: it will not sync.
  if (refused && state !== "saved")
    return "Not saved · the server refused a change"
  if (!online) return STATUS_TEXT[state]
  if (state === "offline") return "Not connected · all had reached the server"
  if (state === "device-only")
    return "Not connected · changes only on this phone"
  return STATUS_TEXT[state]
}

export function SyncBadge({
  plan,
  server,
}: {
  plan: LoadedPlan
  server: ServerLink
}) {
  const status = useEventValue(
    plan.monitor,
    "change",
    () => plan.monitor.status
  )
  const refusal = useEventValue(server, "change", () => server.refusal)
  const online = useOnline()
  const explained = refusal && explainRefusal(refusal)
  return (
    <>
      {explained && status.state !== "saved" ? (
        <p class="error" role="alert">
          {explained}
        </p>
      ) : null}
      <p
        class={`sync sync-${status.state}`}
        role="status"
        data-sync={status.state}
      >
        <span class="dot" aria-hidden="true" />
        {label(
          status.state,
          online,
          refusal?.reason === "read-only" ||
            refusal?.reason === "change-refused"
        )}
        {status.state === "saved" ? null : status.lastSynced !== undefined ? (
          <span class="muted">
            {" "}
            · last synced {formatSynced(status.lastSynced)}
          </span>
        ) : (
          <span class="muted"> · not synced yet</span>
        )}
      </p>
    </>
  )
}

type Props = {
  session: Session
  planId: string
  current: "plan" | "card" | "people" | "review" | "history" | "suggestions"
  children: (plan: LoadedPlan) => ComponentChildren
  /** Shown while the plan opens, and if it cannot be opened (the crisis card's help lines). */
  always?: ComponentChildren
}

export function PlanFrame({
  session,
  planId,
  current,
  children,
  always,
}: Props) {
  const load = usePlan(session, planId)
  if (load.state === "loading") {
    return (
      <>
        <p role="status">Opening your plan…</p>
        {always}
      </>
    )
  }
  if (load.state === "missing") {
    return (
      <>
        <section>
          <h1>Plan not available</h1>
          <p role="alert">{load.message}</p>
          <a href="#/">Back to my plans</a>
        </section>
        {always}
      </>
    )
  }
  const plan = load.plan
  const link = (page: Props["current"], href: string, label: string) => (
    <a href={href} aria-current={current === page ? "page" : undefined}>
      {label}
    </a>
  )
  return (
    <>
      <header class="plan-header">
        <nav aria-label="Plan">
          <a href="#/">My plans</a>
          {link("plan", `#/plan/${planId}`, "Plan")}
          {link("card", `#/plan/${planId}/card`, "Crisis card")}
          {link("people", `#/plan/${planId}/people`, "People")}
          {link("review", `#/plan/${planId}/review`, "Review")}
          {link("history", `#/plan/${planId}/history`, "History")}
        </nav>
        <SyncBadge plan={plan} server={session.server} />
      </header>
      {children(plan)}
    </>
  )
}
