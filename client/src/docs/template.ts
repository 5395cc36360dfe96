/** The plan template (shared/plan-template.json), typed: sections and who writes them. */
import raw from "../../../shared/plan-template.json"
import type { Role } from "../api/client"

export type AudienceKind = "everyone" | "person" | "clinicians" | "carer"
export type ItemKind = "text" | "contact"

export type Section = {
  id: string
  title: string
  prompt: string
  audience: AudienceKind
  itemKind: ItemKind
  writers: Role[]
  proposers: Role[]
  crisisCard: number | null
}

export type CrisisLine = {
  name: string
  phone: string
  display?: string
  action: "call" | "sms"
  body?: string
  note: string
}

type Template = {
  version: number
  sections: Section[]
  crisisLines: { directoryVersion: string; lines: CrisisLine[] }
}

export const template = raw as Template

export const sections: readonly Section[] = template.sections

export function section(id: string): Section | undefined {
  return sections.find((s) => s.id === id)
}

/** The template's audience kind of a registered audience ("carer:<id>" -> "carer"). */
export function audienceKind(audience: string): AudienceKind | undefined {
  if (audience.startsWith("carer:")) return "carer"
  if (
    audience === "everyone" ||
    audience === "person" ||
    audience === "clinicians"
  ) {
    return audience
  }
  return undefined
}

export function sectionsOf(kind: AudienceKind): Section[] {
  return sections.filter((s) => s.audience === kind)
}

/** May this role add and edit items in the section directly? */
export function canWrite(role: Role, s: Section): boolean {
  return role === "person" || s.writers.includes(role)
}

/** May this role suggest items for the person to accept? */
export function canPropose(role: Role, s: Section): boolean {
  return !canWrite(role, s) && s.proposers.includes(role)
}

export function crisisSections(): Section[] {
  return sections
    .filter((s) => s.crisisCard !== null)
    .sort((a, b) => (a.crisisCard ?? 0) - (b.crisisCard ?? 0))
}

/**
 * Which roles read each audience's documents: the table the server enforces
 * (server/plans/access.py). A carer reads only their own "carer" document.
 */
const READERS: Record<AudienceKind, readonly Role[]> = {
  everyone: ["person", "carer", "clinician", "viewer"],
  person: ["person"],
  clinicians: ["person", "clinician"],
  carer: ["carer", "clinician"],
}

/** Can this role read the documents of this audience (a carer: their own)? */
export function reads(role: Role, kind: AudienceKind): boolean {
  return READERS[kind].includes(role)
}

/**
 * What a member of this role will not see of the plan, from the template's
 * sections and their audiences ("other carers' notes" for a carer).
 */
export function unseenBy(role: Role): string[] {
  const unseen = sections
    .filter((s) => s.audience !== "carer" && !reads(role, s.audience))
    .map((s) => s.title)
  if (sections.some((s) => s.audience === "carer")) {
    if (role === "carer") unseen.push("other carers' notes")
    else if (!reads(role, "carer")) unseen.push("carers' notes")
  }
  return unseen
}
