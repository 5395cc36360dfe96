/** The screen a reset link opens (#/reset-password/TOKEN): choose a new password. */
import { useState } from "preact/hooks"
import { resetPassword, type Session } from "../plans/session"
import { Notice, useAction } from "./action"

type Props = {
  token: string
  onSignedIn: (session: Session) => void
}

export function ResetPassword({ token, onSignedIn }: Props) {
  const [password, setPassword] = useState("")
  const [again, setAgain] = useState("")
  const { busy, error, run } = useAction()

  const submit = (event: Event) => {
    event.preventDefault()
    void run(async () => {
      if (password !== again) {
        throw new Error("The two passwords are not the same. Type them again.")
      }
      const session = await resetPassword(token, password)
      // The token is used up: keep it out of the history and the address bar.
      history.replaceState(null, "", "#/")
      onSignedIn(session)
      dispatchEvent(new HashChangeEvent("hashchange"))
    })
  }

  return (
    <section class="welcome" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      <p>
        This signs your account out on every other phone and computer, and ends
        its device tokens. Your plans stay as they are.
      </p>
      <form onSubmit={submit}>
        <label>
          New password (at least 8 characters)
          <input
            name="new-password"
            type="password"
            autocomplete="new-password"
            required
            minLength={8}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <label>
          The same password again
          <input
            name="new-password-again"
            type="password"
            autocomplete="new-password"
            required
            minLength={8}
            value={again}
            onInput={(e) => setAgain(e.currentTarget.value)}
          />
        </label>
        <Notice>{error}</Notice>
        <button type="submit" class="primary" disabled={busy}>
          Set password and sign in
        </button>
      </form>
      <p>
        <a href="#/">Back to sign in</a>
      </p>
    </section>
  )
}
