/**
 * One way to run what a person asks for, and one way to say why it could not be done.
 *
 * `useAction` runs an action at most once at a time: a second tap while the first is
 * running does nothing (a ref guards it, so even two taps in the same frame act once),
 * and `busy` disables the control meanwhile. Whatever the action throws becomes a
 * plain sentence in `error`, shown by `Notice` (role="alert"), never lost in a handler.
 */
import type { ComponentChildren } from "preact"
import { useCallback, useRef, useState } from "preact/hooks"
import { ApiError, Unreachable } from "../api/client"

export function explain(error: unknown): string {
  if (error instanceof Unreachable) {
    return "This needs a connection to the server. Try again when you are online."
  }
  if (error instanceof ApiError) return error.detail
  if (error instanceof Error) return error.message
  return "Something went wrong."
}

export type Action = {
  busy: boolean
  error: string
  setError: (message: string) => void
  /** Runs `work` unless an action of this hook is running; true if it succeeded. */
  run: (work: () => Promise<void> | void) => Promise<boolean>
}

export function useAction(): Action {
  const running = useRef(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState("")
  const run = useCallback(
    async (work: () => Promise<void> | void): Promise<boolean> => {
      if (running.current) return false
      running.current = true
      setBusy(true)
      setError("")
      try {
        await work()
        return true
      } catch (e) {
        setError(explain(e))
        return false
      } finally {
        running.current = false
        setBusy(false)
      }
    },
    []
  )
  return { busy, error, setError, run }
}

/** Why something could not be done (or what was changed on the way): role="alert". */
export function Notice({ children }: { children?: ComponentChildren }) {
  if (children === undefined || children === null || children === "") {
    return null
  }
  return (
    <p class="error" role="alert">
      {children}
    </p>
  )
}
