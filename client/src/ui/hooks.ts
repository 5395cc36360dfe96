/** Small hooks that connect Automerge handles and browser state to Preact. */
import type { DocHandle } from "@automerge/automerge-repo"
import { useEffect, useState } from "preact/hooks"

/** The document's current value, re-rendered on every local or remote change. */
export function useDoc<T>(handle: DocHandle<T>): T | undefined {
  const read = () => (handle.isReady() ? handle.doc() : undefined)
  const [doc, setDoc] = useState<T | undefined>(read)
  useEffect(() => {
    const update = () => setDoc(read())
    update()
    handle.on("change", update)
    // A document that arrives later (late arrival) becomes ready without a change event.
    handle
      .whenReady()
      .then(update)
      .catch(() => undefined)
    return () => {
      handle.off("change", update)
    }
  }, [handle])
  return doc
}

/** Re-renders whenever `target` dispatches `event`; returns `read()`. */
export function useEventValue<T>(
  target: EventTarget,
  event: string,
  read: () => T
): T {
  const [value, setValue] = useState<T>(read)
  useEffect(() => {
    const update = () => setValue(read())
    update()
    target.addEventListener(event, update)
    return () => target.removeEventListener(event, update)
  }, [target, event])
  return value
}

/** The location hash, as a route: "#/plan/abc/card" -> ["plan", "abc", "card"]. */
export function useRoute(): string[] {
  const parse = () =>
    location.hash
      .replace(/^#\/?/, "")
      .split("/")
      .filter((part) => part !== "")
      .map(decodeURIComponent)
  const [route, setRoute] = useState(parse)
  useEffect(() => {
    const update = () => setRoute(parse())
    window.addEventListener("hashchange", update)
    return () => window.removeEventListener("hashchange", update)
  }, [])
  return route
}

export function go(path: string): void {
  location.hash = `#/${path}`
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine)
  useEffect(() => {
    const on = () => setOnline(true)
    const off = () => setOnline(false)
    window.addEventListener("online", on)
    window.addEventListener("offline", off)
    return () => {
      window.removeEventListener("online", on)
      window.removeEventListener("offline", off)
    }
  }, [])
  return online
}

/** The current heads of all `handles`, as one string that changes when any of them does. */
export function useHeads(handles: DocHandle<unknown>[]): string {
  const read = () =>
    handles.map((h) => (h.isReady() ? h.heads().join(",") : "")).join(";")
  const [heads, setHeads] = useState(read)
  useEffect(() => {
    const update = () => setHeads(read())
    update()
    for (const h of handles) h.on("heads-changed", update)
    return () => {
      for (const h of handles) h.off("heads-changed", update)
    }
  }, [handles])
  return heads
}
