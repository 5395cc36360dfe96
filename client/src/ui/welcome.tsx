/** Signing in and creating an account: the only screens that need the server first. */
import { useState } from "preact/hooks"
import { type Account, ApiError, api, Unreachable } from "../api/client"
import { type Session, signIn } from "../plans/session"
import { Notice, useAction } from "./action"

function explain(error: unknown): string {
  if (error instanceof Unreachable) {
    return "The server cannot be reached. Check your connection and try again."
  }
  if (error instanceof ApiError) return error.detail
  return "Something went wrong. Please try again."
}

type Props = {
  joining: boolean
  expectedAccount: Account | undefined
  onSignedIn: (session: Session) => void
}

export function Welcome({ joining, expectedAccount, onSignedIn }: Props) {
  const [mode, setMode] = useState<"in" | "up" | "forgot">(
    expectedAccount ? "in" : "up"
  )
  const [sent, setSent] = useState("")
  const [email, setEmail] = useState(expectedAccount?.email ?? "")
  const [password, setPassword] = useState("")
  const [name, setName] = useState("")
  const { busy, error, run } = useAction()

  const submit = (event: Event) => {
    event.preventDefault()
    void run(async () => {
      try {
        if (mode === "forgot") {
          setSent((await api.askPasswordReset(email)).detail)
          return
        }
        if (mode === "up") await api.signUp(email, password, name)
        if (
          expectedAccount &&
          email.trim().toLowerCase() !== expectedAccount.email.toLowerCase()
        ) {
          throw new ApiError(
            409,
            `This phone holds the plan of ${expectedAccount.email}. Sign in as them, or sign out first.`
          )
        }
        onSignedIn(await signIn(email, password))
      } catch (e) {
        throw new Error(explain(e)) // this screen's own wording
      }
    })
  }

  return (
    <section class="welcome" aria-labelledby="welcome-title">
      <h1 id="welcome-title">My safety plan</h1>
      <p>
        Your safety plan on your phone, even with no signal, shared only with
        the people you choose.
      </p>
      {joining ? (
        <p class="note">
          Sign in or create an account to join the plan you were invited to.
        </p>
      ) : null}
      <fieldset class="tabs">
        <legend class="visually-hidden">Account</legend>
        <button
          type="button"
          aria-pressed={mode === "up"}
          onClick={() => setMode("up")}
        >
          Create an account
        </button>
        <button
          type="button"
          aria-pressed={mode !== "up"}
          onClick={() => setMode("in")}
        >
          Sign in
        </button>
      </fieldset>
      {mode === "forgot" ? (
        <form onSubmit={submit}>
          <h2>Forgot your password?</h2>
          <p>
            We will email you a link to choose a new one. It works once, for 30
            minutes.
          </p>
          <label>
            Email
            <input
              name="email"
              type="email"
              autocomplete="email"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </label>
          <p role="status">{sent}</p>
          <Notice>{error}</Notice>
          <button type="submit" class="primary" disabled={busy}>
            Email me a link
          </button>
          <button type="button" class="quiet" onClick={() => setMode("in")}>
            Back to sign in
          </button>
        </form>
      ) : (
        <form onSubmit={submit}>
          {mode === "up" ? (
            <label>
              Your name, as others in your plan will see it
              <input
                name="displayName"
                autocomplete="name"
                required
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </label>
          ) : null}
          <label>
            Email
            <input
              name="email"
              type="email"
              autocomplete="email"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </label>
          <label>
            Password{mode === "up" ? " (at least 8 characters)" : ""}
            <input
              name="password"
              type="password"
              autocomplete={mode === "up" ? "new-password" : "current-password"}
              required
              minLength={mode === "up" ? 8 : undefined}
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <Notice>{error}</Notice>
          <button type="submit" class="primary" disabled={busy}>
            {mode === "up" ? "Create account" : "Sign in"}
          </button>
          {mode === "in" ? (
            <button
              type="button"
              class="quiet"
              onClick={() => {
                setSent("")
                setMode("forgot")
              }}
            >
              Forgot password?
            </button>
          ) : null}
        </form>
      )}
    </section>
  )
}
