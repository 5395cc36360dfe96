/**
 * An honest sync status for a plan's documents:
 * - "saved":       connected, and the server's heads include ours for every document;
 * - "syncing":     connected, the server does not have everything yet;
 * - "offline":     not connected, and the server had everything when we last heard;
 * - "device-only": not connected, and some changes are on this device only.
 * The server only advertises heads it has made durable (docs/architecture.md),
 * so "saved" means stored on the server's disk, not merely received.
 */
import type { DocHandle, Repo, StorageId } from "@automerge/automerge-repo"
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

export function combine(connected: boolean, saved: boolean[]): SyncState {
  const all = saved.every(Boolean)
  if (connected) return all ? "saved" : "syncing"
  return all ? "offline" : "device-only"
}

/** Watches a set of document handles and reports the status of all of them. */
export class SyncMonitor extends EventTarget {
  private readonly stops: (() => void)[] = []
  status: SyncStatus = { state: "offline", lastSynced: undefined }

  constructor(
    private readonly repo: Repo,
    private readonly server: ServerLink,
    private readonly store: AccountStore,
    private readonly key: string,
    private readonly handles: DocHandle<unknown>[]
  ) {
    super()
    const update = () => this.update()
    server.addEventListener("change", update)
    this.stops.push(() => server.removeEventListener("change", update))
    for (const handle of handles) {
      const remember = ({ storageId, heads, timestamp }: RemoteHeads) => {
        if (storageId === this.serverStorageId()) {
          store.setServerHeads(handle.documentId, { heads, at: timestamp })
        }
        this.update()
      }
      handle.on("remote-heads", remember)
      handle.on("heads-changed", update)
      this.stops.push(() => {
        handle.off("remote-heads", remember)
        handle.off("heads-changed", update)
      })
    }
    this.update()
  }

  private serverStorageId(): StorageId | undefined {
    const peer = this.server.peerId
    return peer === undefined ? undefined : this.repo.getStorageIdOfPeer(peer)
  }

  private update(): void {
    const server = this.serverStorageId()
    const saved = this.handles.map((handle) => {
      const live = server === undefined ? undefined : handle.getSyncInfo(server)
      if (live !== undefined) {
        this.store.setServerHeads(handle.documentId, {
          heads: live.lastHeads,
          at: live.lastSyncTimestamp,
        })
      }
      const known = this.store.serverHeads(handle.documentId)
      return (
        !handle.isReady() || includesAll(known?.heads ?? [], handle.heads())
      )
    })
    const state = combine(this.server.connected, saved)
    // "Last synced" is the last moment everything was known to be on the
    // server: now while saved, or the moment a saved connection ended.
    if (state === "saved" || this.status.state === "saved") {
      this.store.setLastSynced(this.key, Date.now())
    }
    const lastSynced = this.store.lastSynced(this.key)
    if (state !== this.status.state || lastSynced !== this.status.lastSynced) {
      this.status = { state, lastSynced }
      this.dispatchEvent(new Event("change"))
    }
  }

  close(): void {
    for (const stop of this.stops) stop()
  }
}

type RemoteHeads = { storageId: string; heads: string[]; timestamp: number }
