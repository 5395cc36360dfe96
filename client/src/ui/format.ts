/** Dates and names as people read them. */
import type { Contributor, Member, Plan, Role } from "../api/client"

const when = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
})

export function formatTime(ms: number): string {
  return when.format(new Date(ms))
}

const ROLE_NAMES: Record<Role, string> = {
  person: "their plan",
  carer: "carer",
  clinician: "clinician",
  viewer: "viewer",
}

export function roleName(role: Role | null | undefined): string {
  return role ? ROLE_NAMES[role] : ""
}

/**
 * Whose plan it is, for a member: "Sam's safety plan" and "You are their carer".
 * Undefined for the person's own plan (their own title is enough).
 */
export function whosePlan(
  plan: Plan
): { title: string; you: string; name: string } | undefined {
  if (plan.role === "person") return undefined
  const name = plan.personName ?? "Someone"
  return {
    name,
    title: `${name}'s safety plan`,
    you: `You are their ${roleName(plan.role)}`,
  }
}

/** The crisis card's heading: a member's names the person, so it is never taken for theirs. */
export function cardTitle(plan: Plan): string {
  const whose = whosePlan(plan)
  return whose ? `${whose.name}'s crisis card` : "Crisis card"
}

export function cardLead(plan: Plan): string {
  const whose = whosePlan(plan)
  return whose
    ? `These are ${whose.name}'s steps, not yours. ${whose.you}: help them take it one step at a time.`
    : "Take it one step at a time."
}

/** Resolves Automerge actor ids to people, from the server's contributor list. */
export class Names {
  private readonly byActor = new Map<string, Contributor>()
  private readonly own: Set<string>

  constructor(contributors: Contributor[], ownActors: string[]) {
    for (const c of contributors) this.byActor.set(c.actorId, c)
    this.own = new Set(ownActors)
  }

  isMine(actor: string | undefined): boolean {
    return actor !== undefined && this.own.has(actor)
  }

  known(actor: string | undefined): boolean {
    return (
      actor !== undefined && (this.own.has(actor) || this.byActor.has(actor))
    )
  }

  of(actor: string | undefined): string {
    if (actor === undefined) return "someone"
    if (this.own.has(actor)) return "you"
    const c = this.byActor.get(actor)
    if (c === undefined) {
      return "someone in the circle (not yet confirmed by the server)"
    }
    if (!c.displayName)
      return `a former ${c.role === "person" ? "member" : roleName(c.role) || "member"}`
    return c.role === "person"
      ? c.displayName
      : `${c.displayName} (${roleName(c.role)})`
  }
}

export function memberName(members: Member[], userId: string): string {
  return members.find((m) => m.userId === userId)?.displayName ?? "a carer"
}
