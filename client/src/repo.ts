/**
 * The only place that constructs automerge-repo adapters: one IndexedDB
 * database per account, the server's WebSocket (same origin, so the session
 * cookie authenticates it), and a BroadcastChannel so tabs share changes.
 */
import { type DocumentId, type PeerId, Repo } from "@automerge/automerge-repo"
import { BroadcastChannelNetworkAdapter } from "@automerge/automerge-repo-network-broadcastchannel"
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb"
import { databaseName } from "./local/store"
import { type ServerNotice, ServerSocket } from "./sync/server-socket"

/** Notices that take a document away from this phone (it keeps no copy). */
const DOCUMENT_LOST = new Set(["access-revoked", "document-deleted"])
/** Notices that end this phone's sign-in. */
const SIGNED_OUT = new Set([
  "credential-revoked",
  "credential-expired",
  "unauthenticated",
  "account-deleted",
])

/** Events: "change" (connection or refusal), "lost" and "ended" (ServerNotice). */
export class NoticeEvent extends Event {
  constructor(
    type: "lost" | "ended",
    readonly notice: ServerNotice
  ) {
    super(type)
  }
}

/** The server connection as the UI needs to see it. */
export class ServerLink extends EventTarget {
  peerId: PeerId | undefined
  /** The server's last refusal or closing reason, until it syncs again. */
  refusal: ServerNotice | undefined

  constructor(socket: ServerSocket) {
    super()
    socket.onNotice = (notice) => this.notice(notice)
    socket.onSync = () => {
      if (this.refusal === undefined) return
      this.refusal = undefined
      this.dispatchEvent(new Event("change"))
    }
    socket.on("peer-candidate", ({ peerId }) => {
      this.peerId = peerId
      this.dispatchEvent(new Event("change"))
    })
    socket.on("peer-disconnected", () => {
      this.peerId = undefined
      this.dispatchEvent(new Event("change"))
    })
    // Browsers may keep a socket open while the device reports no network;
    // close it so nothing claims to be syncing, and reconnect at once after.
    window.addEventListener("offline", () => socket.pause())
    window.addEventListener("online", () => socket.resume())
  }

  get connected(): boolean {
    return this.peerId !== undefined
  }

  /** The documents the server said this phone may no longer have. */
  readonly lostDocuments = new Map<DocumentId, ServerNotice>()

  private notice(notice: ServerNotice): void {
    if (DOCUMENT_LOST.has(notice.reason) && notice.documentId !== undefined) {
      this.lostDocuments.set(notice.documentId, notice)
      this.dispatchEvent(new NoticeEvent("lost", notice))
      return
    }
    this.refusal = notice
    if (SIGNED_OUT.has(notice.reason)) {
      this.dispatchEvent(new NoticeEvent("ended", notice))
    }
    this.dispatchEvent(new Event("change"))
  }
}

export function socketUrl(): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws"
  return `${scheme}://${location.host}/sync`
}

export function createRepo(accountId: string): {
  repo: Repo
  server: ServerLink
} {
  const socket = new ServerSocket(socketUrl())
  const server = new ServerLink(socket)
  const repo = new Repo({
    storage: new IndexedDBStorageAdapter(databaseName(accountId)),
    network: [
      socket,
      new BroadcastChannelNetworkAdapter({
        channelName: `safety-plan-${accountId}`,
      }),
    ],
  })
  return { repo, server }
}
