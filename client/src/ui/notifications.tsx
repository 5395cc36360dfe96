/**
 * Notifications: which kinds this phone gets, each a switch. Nothing is sent
 * until the person turns one on; the words on the lock screen never say what is
 * in a plan or who is in it, only that something is waiting.
 */
import { useEffect, useState } from "preact/hooks"
import type { PushKind } from "../api/client"
import type { Session } from "../plans/session"
import { choose, chosenKinds, pushSupported } from "../pwa/push"
import { Notice, useAction } from "./action"

const KINDS: { kind: PushKind; label: string; hint: string }[] = [
  {
    kind: "proposal",
    label: "A suggestion is waiting for me",
    hint: "Someone in your plan suggested something for you to look at.",
  },
  {
    kind: "membership",
    label: "Someone joins or leaves my plan",
    hint: "Who can see your plan changed.",
  },
  {
    kind: "review-due",
    label: "A review is due tomorrow",
    hint: "For clinicians: a plan you review is due for review.",
  },
]

export function Notifications({ session }: { session: Session }) {
  const [chosen, setChosen] = useState<PushKind[] | undefined>(undefined)
  const [saved, setSaved] = useState("")
  const { busy, error, run } = useAction()
  const supported = pushSupported()

  useEffect(() => {
    if (supported)
      void run(async () => setChosen(await chosenKinds(session.store)))
  }, [session])

  const toggle = (kind: PushKind, on: boolean) =>
    run(async () => {
      const current = chosen ?? []
      const next = on
        ? [...current.filter((k) => k !== kind), kind]
        : current.filter((k) => k !== kind)
      setSaved("")
      setChosen(next) // the box shows the tap at once; put back if it fails
      try {
        await choose(session.store, next)
      } catch (e) {
        setChosen(current)
        throw e
      }
      setSaved(
        next.length === 0
          ? "Notifications are off on this phone."
          : "Saved. This phone will be told."
      )
    })

  return (
    <section aria-labelledby="notifications-title">
      <p>
        <a href="#/">Back to my plans</a>
      </p>
      <h1 id="notifications-title" tabIndex={-1}>
        Notifications
      </h1>
      {supported ? (
        <>
          <p>
            Choose what this phone tells you about. A notification only says
            that something is waiting, never what is in a plan or who is in it:
            others may see your lock screen.
          </p>
          <fieldset class="card kinds" disabled={busy || chosen === undefined}>
            <legend>Tell me when</legend>
            {KINDS.map(({ kind, label, hint }) => (
              <label key={kind} class="switch">
                <input
                  type="checkbox"
                  checked={chosen?.includes(kind) ?? false}
                  onChange={(e) => void toggle(kind, e.currentTarget.checked)}
                />
                <span>
                  {label}
                  <span class="muted"> {hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <p role="status">{saved}</p>
        </>
      ) : (
        <p>
          This browser cannot show notifications from the app. On a phone, add
          the app to the home screen, or use a browser that can.
        </p>
      )}
      <Notice>{error}</Notice>
    </section>
  )
}
