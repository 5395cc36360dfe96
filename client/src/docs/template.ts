/** The plan template (shared/plan-template.json), typed: sections and who writes them. */
import raw from "../../../shared/plan-template.json"

export type Role = "person" | "carer" | "clinician" | "viewer"
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
