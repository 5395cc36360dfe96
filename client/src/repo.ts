/**
 * The only place that constructs automerge-repo adapters: one IndexedDB
 * database per account, the server's WebSocket (same origin, so the session
 * cookie authenticates it), and a BroadcastChannel so tabs share changes.
 */
import {
  cbor,
  type PeerId,
  type PeerMetadata,
  Repo,
} from "@automerge/automerge-repo"
import { BroadcastChannelNetworkAdapter } from "@automerge/automerge-repo-network-broadcastchannel"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb"
import { databaseName } from "./local/store"

/** The server connection as the UI needs to see it. */
export class ServerLink extends EventTarget {
  peerId: PeerId | undefined

  constructor(private readonly socket: NetworkAwareSocket) {
    super()
    socket.onRefusal = () => this.dispatchEvent(new Event("change"))
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
    window.addEventListener("offline", () => this.pause())
    window.addEventListener("online", () => this.resume())
  }

  /** Why the server last closed this phone's connection, until it syncs again. */
  get refusal(): string | undefined {
    return this.socket.refusal
  }

  get connected(): boolean {
    return this.peerId !== undefined
  }

  private pause(): void {
    if (this.socket.socket !== undefined) this.socket.disconnect()
  }

  private resume(): void {
    const { peerId, peerMetadata } = this.socket
    if (this.socket.socket === undefined && peerId !== undefined) {
      this.socket.connect(peerId, peerMetadata)
    }
  }
}

/**
 * The stock WebSocket adapter, except that it does not dial out while the
 * device says it has no network (it reports ready, so documents open from
 * IndexedDB at once); the "online" event starts it.
 */
class NetworkAwareSocket extends WebSocketClientAdapter {
  private deferred = false
  /** The server's last `error` message (the stock adapter only logs it). */
  refusal: string | undefined
  onRefusal: (() => void) | undefined

  override receiveMessage(messageBytes: Uint8Array): void {
    try {
      const message: unknown = cbor.decode(new Uint8Array(messageBytes))
      if (isError(message)) {
        this.refusal = message.message
        this.onRefusal?.()
      } else if (isSync(message)) {
        this.refusal = undefined
      }
    } catch {
      // the adapter reports undecodable frames itself
    }
    super.receiveMessage(messageBytes)
  }

  override connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    if (!navigator.onLine) {
      this.peerId = peerId
      this.peerMetadata = peerMetadata ?? {}
      this.deferred = true
      return
    }
    this.deferred = false
    super.connect(peerId, peerMetadata)
  }

  override isReady(): boolean {
    return this.deferred || super.isReady()
  }

  override whenReady(): Promise<void> {
    return this.deferred ? Promise.resolve() : super.whenReady()
  }
}

function isError(m: unknown): m is { type: "error"; message: string } {
  return (
    typeof m === "object" &&
    m !== null &&
    "type" in m &&
    m.type === "error" &&
    "message" in m &&
    typeof m.message === "string"
  )
}

function isSync(m: unknown): boolean {
  return typeof m === "object" && m !== null && "type" in m && m.type === "sync"
}

export function socketUrl(): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws"
  return `${scheme}://${location.host}/sync`
}

export function createRepo(accountId: string): {
  repo: Repo
  server: ServerLink
} {
  const socket = new NetworkAwareSocket(socketUrl())
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
