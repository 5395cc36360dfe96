/**
 * An honest sync status for a plan's documents:
 * - "saved":       connected, and the server's heads include ours for every document;
 * - "syncing":     connected, the server does not have everything yet;
 * - "offline":     not connected, and the server had everything when we last heard;
 * - "device-only": not connected, and some changes are on this device only.
 * The server only advertises heads it has made durable (docs/architecture.md),
 * so "saved" means stored on the server's disk, not merely received.
 */
import * as A from "@automerge/automerge"
import {
  type DocHandle,
  decodeHeads,
  type Repo,
  type StorageId,
  type UrlHeads,
} from "@automerge/automerge-repo"
import type { AccountStore } from "../local/store"
import type { ServerLink } from "../repo"

export type SyncState = "saved" | "syncing" | "offline" | "device-only"

export type SyncStatus = { state: SyncState; lastSynced: number | undefined }

export function includesAll(
  theirs: readonly string[],
  ours: readonly string[]
): boolean {
  const known = new Set(theirs)
  return ours.every((h) => known.has(h))
}

/**
 * Whether a document has changes written on this phone (by `ownActors`) that
 * the server has not acknowledged (`serverHeads`: its last known durable
 * heads). Changes that came from elsewhere are never "unsaved" here: they
 * reached this phone through the server (or another tab of this account,
 * whose actors are ours too). Server heads this phone lacks are ignored, so a
 * doubt counts as unsaved, never as saved. `serverHeads` are automerge-repo's
 * (bs58check, as getSyncInfo gives them).
 */
export function hasUnacknowledged(
  doc: A.Doc<unknown>,
  serverHeads: readonly string[],
  ownActors: readonly string[]
): boolean {
  let hex: string[]
  try {
    hex = decodeHeads(serverHeads as UrlHeads)
  } catch {
    hex = []
  }
  const known = hex.filter((h) => A.hasHeads(doc, [h]))
  const mine = new Set(ownActors)
  return A.getChangesMetaSince(doc, known).some((c) => mine.has(c.actor))
}

export function combine(connected: boolean, saved: boolean[]): SyncState {
  const all = saved.every(Boolean)
  if (connected) return all ? "saved" : "syncing"
  return all ? "offline" : "device-only"
}

/** Watches a set of document handles and reports the status of all of them. */
export class SyncMonitor extends EventTarget {
  private readonly stops: (() => void)[] = []
  status: SyncStatus

  constructor(
    private readonly repo: Repo,
    private readonly server: ServerLink,
    private readonly store: AccountStore,
    private readonly key: string,
    private readonly handles: DocHandle<unknown>[]
  ) {
    super()
    this.status = { state: "offline", lastSynced: store.lastSynced(key) }
    const update = () => this.update()
    server.addEventListener("change", update)
    this.stops.push(() => server.removeEventListener("change", update))
    for (const handle of handles) {
      handle.on("remote-heads", update)
      handle.on("heads-changed", update)
      this.stops.push(() => {
        handle.off("remote-heads", update)
        handle.off("heads-changed", update)
      })
    }
    this.update()
  }

  private serverStorageId(): StorageId | undefined {
    const peer = this.server.peerId
    return peer === undefined ? undefined : this.repo.getStorageIdOfPeer(peer)
  }

  /** The server's last heads for a document: live while connected, else remembered. */
  private serverHeads(
    handle: DocHandle<unknown>,
    server: StorageId | undefined
  ) {
    const live = server === undefined ? undefined : handle.getSyncInfo(server)
    const known = this.store.serverHeads(handle.documentId)
    if (live === undefined) return known?.heads ?? []
    if (known?.at !== live.lastSyncTimestamp) {
      this.store.setServerHeads(handle.documentId, {
        heads: live.lastHeads,
        at: live.lastSyncTimestamp,
      })
    }
    return live.lastHeads
  }

  private update(): void {
    const server = this.serverStorageId()
    const saved = this.handles.map(
      (handle) =>
        !handle.isReady() ||
        includesAll(this.serverHeads(handle, server), handle.heads())
    )
    const state = combine(this.server.connected, saved)
    if (state === this.status.state) return
    // "Last synced" is the last moment everything was known to be on the
    // server: when it became so, and again when that ended.
    if (state === "saved" || this.status.state === "saved") {
      this.store.setLastSynced(this.key, Date.now())
    }
    this.status = { state, lastSynced: this.store.lastSynced(this.key) }
    this.dispatchEvent(new Event("change"))
  }

  close(): void {
    for (const stop of this.stops) stop()
  }
}
