/** Who joined and left the plan: it changes who saw it (Review digest and History). */
import type { MembershipEvent } from "../../api/review"
import { formatTime, roleName } from "../format"

/** "Cat joined as carer", "Pat removed Cat (carer)", ... */
export function membershipLine(e: MembershipEvent): string {
  const role = roleName(e.role)
  const name = e.displayName ?? `A former ${role}`
  switch (e.kind) {
    case "joined":
      return e.previousRole
        ? `${name} joined as ${role} (before: ${roleName(e.previousRole)})`
        : `${name} joined as ${role}`
    case "removed":
      return `${e.byName ?? "The person"} removed ${e.displayName ?? `a former ${role}`} (${role})`
    case "left":
      return e.displayName
        ? `${e.displayName} (${role}) left: they deleted their account`
        : `A former ${role} left: they deleted their account`
  }
}

export function MembershipList({
  events,
  title,
}: {
  events: MembershipEvent[]
  title: string
}) {
  if (events.length === 0) return null
  return (
    <section class="card" aria-label={title} data-membership>
      <h2>{title}</h2>
      <ul class="entries">
        {events.map((e, i) => (
          <li key={`${e.at}-${e.userId}-${i}`} class="entry" data-kind={e.kind}>
            <p>{membershipLine(e)}</p>
            <p class="byline">
              <time dateTime={e.at}>{formatTime(Date.parse(e.at))}</time>
            </p>
          </li>
        ))}
      </ul>
    </section>
  )
}
