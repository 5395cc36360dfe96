/** The review digest: conflicts first, then each person's changes, in their order. */

import type { Role } from "../../api/client"
import type {
  Digest,
  DigestConflict,
  DigestEntry,
  DigestText,
} from "../../api/review"
import { roleName } from "../format"
import { MembershipList } from "./membership"

const when = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
})

function at(iso: string): string {
  return when.format(new Date(iso))
}

/** A change's own time; null when its phone recorded none (docs/review-api.md). */
function made(iso: string | null): string {
  return iso === null ? "at a time its phone did not record" : at(iso)
}

function show(text: DigestText | null): string {
  if (text === null) return "(nothing)"
  return text.phone ? `“${text.text}” (${text.phone})` : `“${text.text}”`
}

function who(name: string | null, role: Role | null): string {
  const person = name ?? "a former member"
  return role && role !== "person" ? `${person} (${roleName(role)})` : person
}

const VERBS: Record<DigestEntry["kind"], string> = {
  added: "Added to",
  edited: "Changed in",
  removed: "Removed from",
  restored: "Restored in",
  proposed: "Suggested for",
  "proposal-edited": "Changed a suggestion for",
  accepted: "Accepted a suggestion for",
  declined: "Declined a suggestion for",
  withdrawn: "Withdrew a suggestion for",
  reviewed: "Signed off a review in",
}

function Entry({ entry }: { entry: DigestEntry }) {
  const changed = entry.kind === "edited" || entry.kind === "proposal-edited"
  return (
    <li class="entry" data-kind={entry.kind}>
      <p>
        <strong>{VERBS[entry.kind]}</strong> {entry.sectionTitle}:{" "}
        {changed ? (
          <>
            {show(entry.before)} → {show(entry.after)}
          </>
        ) : (
          show(entry.after ?? entry.before)
        )}
      </p>
      <p class="byline">
        Made {made(entry.changeTime)} · reached the server{" "}
        {at(entry.receivedAt)}
      </p>
    </li>
  )
}

function Conflict({ conflict }: { conflict: DigestConflict }) {
  return (
    <li class="conflict" data-conflict={conflict.itemId}>
      <p>
        <strong>
          {conflict.kind === "edit-and-removal"
            ? "Removed by one person while another changed it"
            : "Changed by more than one person at the same time"}
        </strong>{" "}
        in {conflict.sectionTitle}
      </p>
      <p>Before: {show(conflict.base)}</p>
      <ul>
        {conflict.versions.map((v) => (
          <li key={v.hash}>
            {who(v.displayName, v.role)}:{" "}
            {v.removed ? "removed it" : show(v.text)}{" "}
            <span class="byline">
              (made {made(v.changeTime)}, reached the server {at(v.receivedAt)})
            </span>
          </li>
        ))}
      </ul>
      <p>
        Now in the plan: {conflict.removed ? "removed" : show(conflict.merged)}
      </p>
    </li>
  )
}

export function DigestView({ digest }: { digest: Digest }) {
  const count = digest.people.reduce((n, p) => n + p.entries.length, 0)
  if (
    count === 0 &&
    digest.conflicts.length === 0 &&
    digest.membership.length === 0
  ) {
    return (
      <p class="empty" data-digest-empty>
        Nothing has changed since then.
      </p>
    )
  }
  return (
    <>
      {digest.conflicts.length > 0 ? (
        <section class="card conflicts" aria-labelledby="conflicts-title">
          <h2 id="conflicts-title">
            Changed at the same time ({digest.conflicts.length})
          </h2>
          <ul>
            {digest.conflicts.map((c) => (
              <Conflict key={`${c.documentId}-${c.itemId}`} conflict={c} />
            ))}
          </ul>
        </section>
      ) : null}
      <MembershipList
        events={digest.membership}
        title="Who joined or left the plan"
      />
      {digest.people.map((p) => {
        const name = who(p.displayName, p.role)
        return (
          <section
            key={p.userId ?? "former"}
            class="card"
            aria-label={`Changes by ${name}`}
            data-person={p.displayName ?? ""}
          >
            <h2>
              {name}: {p.entries.length}{" "}
              {p.entries.length === 1 ? "change" : "changes"}
            </h2>
            <ul class="entries">
              {p.entries.map((e) => (
                <Entry key={`${e.hash}-${e.itemId}-${e.kind}`} entry={e} />
              ))}
            </ul>
          </section>
        )
      })}
    </>
  )
}
