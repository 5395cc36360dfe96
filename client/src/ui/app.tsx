/** The app's frame: who is signed in, and which screen the route asks for. */
import type { ComponentChildren } from "preact"
import { useEffect, useRef, useState } from "preact/hooks"
import { type Account, ApiError, api, Unreachable } from "../api/client"
import { currentAccount, setCurrentAccount } from "../local/store"
import { forgetAccount, type Session, startSession } from "../plans/session"
import type { NoticeEvent } from "../repo"
import { CrisisCard } from "./crisis-card"
import { Devices } from "./devices"
import { Home } from "./home"
import { useRoute } from "./hooks"
import { Join } from "./join"
import { Notifications } from "./notifications"
import { People } from "./people"
import { PlanScreen } from "./plan/plan-screen"
import { SuggestionsScreen } from "./plan/suggestions-screen"
import { ResetPassword } from "./reset-password"
import { HistoryScreen } from "./review/history-screen"
import { ReviewScreen } from "./review/review-screen"
import { UpdateBanner } from "./update-banner"
import { Welcome } from "./welcome"

/**
 * A new screen puts focus on its heading (WCAG 2.4.3), once it has rendered (a plan
 * screen shows its heading after the plan opens). Not on first load, and not if the
 * person has already put focus somewhere else on the new screen.
 */
function useHeadingFocus(path: string): void {
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    const main = document.getElementById("main")
    if (main === null) return
    const focus = (): boolean => {
      const heading = main.querySelector("h1")
      if (heading === null) return false
      const active = document.activeElement
      const elsewhere =
        active !== null &&
        active !== document.body &&
        active !== main &&
        active.tagName !== "A" &&
        main.contains(active)
      if (!elsewhere) {
        heading.setAttribute("tabindex", "-1")
        heading.focus()
      }
      return true
    }
    if (focus()) return
    const observer = new MutationObserver(() => {
      if (focus()) observer.disconnect()
    })
    observer.observe(main, { childList: true, subtree: true })
    return () => observer.disconnect()
  }, [path])
}

function initialSession(): Session | undefined {
  const account = currentAccount()
  return account === undefined ? undefined : startSession(account)
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(initialSession)
  const [expired, setExpired] = useState(false)
  const [deleted, setDeleted] = useState(false)
  const route = useRoute()

  // The server closed the connection because the sign-in ended: say so now,
  // not at the next start. A deleted account leaves this phone entirely.
  useEffect(() => {
    if (session === undefined) return
    const ended = (event: Event) => {
      if ((event as NoticeEvent).notice.reason === "account-deleted") {
        void forgetAccount(session).then(() => {
          setDeleted(true)
          setSession(undefined)
        })
      } else {
        setExpired(true)
      }
    }
    session.server.addEventListener("ended", ended)
    return () => session.server.removeEventListener("ended", ended)
  }, [session])

  // Offline-first: the remembered account opens at once; the server is asked
  // in the background whether the session is still valid.
  useEffect(() => {
    if (session === undefined) return
    api.me().then(
      (account: Account) => {
        setExpired(false)
        setCurrentAccount(account)
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 401) setExpired(true)
        else if (!(error instanceof Unreachable)) throw error
      }
    )
  }, [session])

  useHeadingFocus(route.join("/"))

  const signedIn = (next: Session) => {
    setExpired(false)
    setDeleted(false)
    setSession(next)
  }

  let screen: ComponentChildren
  if (route[0] === "reset-password" && route[1] !== undefined) {
    screen = (
      <ResetPassword
        token={route[1]}
        onSignedIn={(s) => {
          if (session !== undefined) void session.repo.shutdown()
          signedIn(s)
        }}
      />
    )
  } else if (session === undefined || (expired && route[0] === "signin")) {
    screen = (
      <Welcome
        joining={route[0] === "join"}
        expectedAccount={session?.account}
        onSignedIn={(s) => {
          if (session !== undefined) void session.repo.shutdown()
          signedIn(s)
          if (route[0] === "signin") history.back()
        }}
      />
    )
  } else {
    const [page, id, sub] = route
    if (page === "join" && id !== undefined) {
      // A code with "/" in it spans several parts: the Join screen says it is not a code.
      screen = <Join session={session} code={route.slice(1).join("/")} />
    } else if (page === "devices") {
      screen = <Devices session={session} />
    } else if (page === "notifications") {
      screen = <Notifications session={session} />
    } else if (page === "plan" && id !== undefined) {
      if (sub === "card") screen = <CrisisCard session={session} planId={id} />
      else if (sub === "people")
        screen = <People session={session} planId={id} />
      else if (sub === "review")
        screen = <ReviewScreen session={session} planId={id} />
      else if (sub === "history")
        screen = <HistoryScreen session={session} planId={id} />
      else if (sub === "suggestions")
        screen = <SuggestionsScreen session={session} planId={id} />
      else screen = <PlanScreen session={session} planId={id} />
    } else {
      screen = <Home session={session} />
    }
  }

  return (
    <>
      <button
        type="button"
        class="skip"
        onClick={() => document.getElementById("main")?.focus()}
      >
        Skip to content
      </button>
      <UpdateBanner />
      {deleted && session === undefined ? (
        <p class="banner" role="alert">
          This account has been deleted, so its plans have been removed from
          this phone.
        </p>
      ) : null}
      {expired && session !== undefined && route[0] !== "signin" ? (
        <p class="banner" role="alert">
          Your sign-in has ended, so this phone cannot sync. Your plan is still
          here. <a href="#/signin">Sign in again</a>
        </p>
      ) : null}
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
    </>
  )
}
