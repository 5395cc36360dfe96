/** Opening a plan for the screens: its documents, sync status and names. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks"
import { ApiError, api, type Member } from "../../api/client"
import {
  findPlan,
  forgetPlan,
  type OpenPlan,
  openDocuments,
  planDocuments,
  refreshPlans,
} from "../../plans/plans"
import { REVOKED, type Session } from "../../plans/session"
import { SyncMonitor } from "../../sync/status"
import { Names } from "../format"
import { explain } from "../home"

export type LoadedPlan = {
  open: OpenPlan
  monitor: SyncMonitor
  names: Names
  members: Member[]
  /** Ask the server who wrote what (throttled); used when an unknown author shows up. */
  refreshNames: () => void
}

export type PlanLoad =
  | { state: "loading" }
  | { state: "missing"; message: string }
  | { state: "ready"; plan: LoadedPlan }

type Opened =
  | { state: "loading" }
  | { state: "missing"; message: string }
  | { state: "ready"; open: OpenPlan; monitor: SyncMonitor }

function sameDocuments(a: OpenPlan, b: OpenPlan): boolean {
  const ids = (p: OpenPlan) =>
    p.documents
      .map((d) => d.handle.documentId)
      .sort()
      .join()
  return ids(a) === ids(b)
}

const NAMES_EVERY_MS = 2000

export function usePlan(session: Session, planId: string): PlanLoad {
  const [load, setLoad] = useState<Opened>({ state: "loading" })
  const [names, setNames] = useState(
    () => new Names(session.store.contributors(planId), session.store.actors)
  )
  const [members, setMembers] = useState(() => session.store.members(planId))
  const lastNames = useRef(0)

  const trailing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const refreshNames = useCallback(() => {
    const wait = lastNames.current + NAMES_EVERY_MS - Date.now()
    if (wait > 0) {
      // Throttled, but never dropped: ask again once the interval has passed.
      trailing.current ??= setTimeout(() => {
        trailing.current = undefined
        refreshNames()
      }, wait)
      return
    }
    lastNames.current = Date.now()
    api.contributors(planId).then(
      (list) => {
        session.store.setContributors(planId, list)
        setNames(new Names(list, session.store.actors))
      },
      () => undefined
    )
    api.members(planId).then(
      (list) => {
        session.store.setMembers(planId, list)
        setMembers(list)
      },
      () => undefined
    )
  }, [session, planId])

  useEffect(() => {
    let monitor: SyncMonitor | undefined
    let current: OpenPlan | undefined
    let cancelled = false
    // The server took the plan away (docs/architecture.md): say so at once.
    const lost = () => {
      // A plan this phone has (again: rejoined) is not lost.
      if (findPlan(session, planId) !== undefined) return false
      const message = session.store.lostPlan(planId)
      if (message === undefined) return false
      cancelled = true
      monitor?.close()
      setLoad({ state: "missing", message })
      return true
    }
    const onPlans = () => void lost()
    session.server.addEventListener("plans", onPlans)
    const open = async (refresh: boolean) => {
      if (lost()) return
      let plan = findPlan(session, planId)
      if (plan === undefined) {
        await refreshPlans(session).catch(() => undefined)
        plan = findPlan(session, planId)
      }
      if (plan === undefined) {
        setLoad({
          state: "missing",
          message: "This plan is not on this phone.",
        })
        return
      }
      const documents = await openDocuments(
        session,
        await planDocuments(session, plan, refresh)
      )
      const opened: OpenPlan = { plan, role: plan.role, documents }
      if (cancelled || (current && sameDocuments(current, opened))) return
      current = opened
      monitor?.close()
      monitor = new SyncMonitor(
        session.repo,
        session.server,
        session.store,
        planId,
        documents.map((d) => d.handle)
      )
      setLoad({ state: "ready", open: opened, monitor })
    }
    open(false)
      .then(() => open(true))
      .catch((e: unknown) => {
        if (cancelled) return
        const plan = findPlan(session, planId)
        if (e instanceof ApiError && e.status === 404 && plan !== undefined) {
          forgetPlan(session, plan)
          session.store.setLostPlan(planId, REVOKED)
          setLoad({ state: "missing", message: REVOKED })
        } else if (current === undefined) {
          setLoad({ state: "missing", message: explain(e) })
        } // else: the refresh failed; the plan already open from this phone stays open
      })
    refreshNames()
    return () => {
      cancelled = true
      session.server.removeEventListener("plans", onPlans)
      monitor?.close()
    }
  }, [session, planId])

  if (load.state !== "ready") return load
  const { open, monitor } = load
  return {
    state: "ready",
    plan: { open, monitor, names, members, refreshNames },
  }
}
