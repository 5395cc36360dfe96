/**
 * Our WebSocket NetworkAdapter for the sync server (automerge-repo's public
 * NetworkAdapter interface; docs/architecture.md, "The sync connection").
 *
 * It owns its socket, so nothing depends on the stock adapter's private retry
 * state, and it decodes each frame once. Besides what the stock adapter does
 * it: does not dial while the device says it has no network (it reports ready,
 * so documents open from IndexedDB at once), and reads the server's `error`
 * messages, whose `reason` and `documentId` say why this phone loses a
 * document or its connection (decision 27), instead of only logging them.
 */
import {
  cbor,
  type DocumentId,
  type Message,
  NetworkAdapter,
  type PeerId,
  type PeerMetadata,
} from "@automerge/automerge-repo"

/** What the server said when it refused something or took something away. */
export type ServerNotice = {
  /** Machine-readable: see REASONS in server/sync/messages.py. */
  reason: string
  /** For people and logs. */
  message: string
  /** The document concerned, when the notice is about one document. */
  documentId?: DocumentId
}

const RETRY_MS = 5000
/** As the stock adapter: with no answer, count as ready after 1 s. */
const READY_AFTER_MS = 1000

export class ServerSocket extends NetworkAdapter {
  private socket: WebSocket | undefined
  private remotePeerId: PeerId | undefined
  private ready = false
  private readonly readyPromise: Promise<void>
  private resolveReady: () => void = () => undefined
  private retry: ReturnType<typeof setTimeout> | undefined
  /** Set by disconnect(): the Repo is done with us. */
  private stopped = false
  /** Set by pause(): the device has no network. */
  private paused = false

  onNotice: ((notice: ServerNotice) => void) | undefined
  /** A sync message arrived: the server is serving this phone again. */
  onSync: (() => void) | undefined

  constructor(private readonly url: string) {
    super()
    this.readyPromise = new Promise((resolve) => {
      this.resolveReady = resolve
    })
  }

  isReady(): boolean {
    return this.ready
  }

  whenReady(): Promise<void> {
    return this.readyPromise
  }

  get open(): boolean {
    return this.socket !== undefined
  }

  connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.peerId = peerId
    this.peerMetadata = peerMetadata ?? {}
    this.stopped = false
    this.paused = !navigator.onLine
    if (this.paused) this.markReady()
    this.dial()
  }

  /** Close the socket until resume() (the device went offline). */
  pause(): void {
    this.paused = true
    this.markReady()
    this.hangUp()
  }

  resume(): void {
    this.paused = false
    this.dial()
  }

  disconnect(): void {
    this.stopped = true
    this.hangUp()
  }

  send(message: Message): void {
    const socket = this.socket
    // Not connected: nothing is lost, the Repo syncs everything again when the
    // server is a peer again.
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return
    socket.send(toBuffer(cbor.encode(message)))
  }

  private markReady(): void {
    if (this.ready) return
    this.ready = true
    this.resolveReady()
  }

  private dial(): void {
    clearTimeout(this.retry)
    this.retry = undefined
    if (this.stopped || this.paused || this.socket !== undefined) return
    if (this.peerId === undefined) return
    const peerId = this.peerId
    const socket = new WebSocket(this.url)
    socket.binaryType = "arraybuffer"
    this.socket = socket
    setTimeout(() => this.markReady(), READY_AFTER_MS)
    socket.addEventListener("open", () => {
      socket.send(
        toBuffer(
          cbor.encode({
            type: "join",
            senderId: peerId,
            peerMetadata: this.peerMetadata ?? {},
            supportedProtocolVersions: ["1"],
          })
        )
      )
    })
    socket.addEventListener("message", (event: MessageEvent) => {
      if (this.socket === socket) this.receive(event.data)
    })
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return
      this.socket = undefined
      this.lostPeer()
      if (!this.stopped && !this.paused) {
        this.retry = setTimeout(() => this.dial(), RETRY_MS)
      }
    })
  }

  private hangUp(): void {
    clearTimeout(this.retry)
    this.retry = undefined
    const socket = this.socket
    this.socket = undefined
    socket?.close()
    this.lostPeer()
  }

  private lostPeer(): void {
    const peerId = this.remotePeerId
    this.remotePeerId = undefined
    if (peerId !== undefined) this.emit("peer-disconnected", { peerId })
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer) || data.byteLength === 0) return
    let message: unknown
    try {
      message = cbor.decode(new Uint8Array(data))
    } catch {
      return // a frame we cannot read is dropped, as the stock adapter does
    }
    if (!isMap(message)) return
    if (message.type === "peer" && typeof message.senderId === "string") {
      this.remotePeerId = message.senderId as PeerId
      this.markReady()
      this.emit("peer-candidate", {
        peerId: this.remotePeerId,
        peerMetadata: isMap(message.peerMetadata)
          ? (message.peerMetadata as PeerMetadata)
          : {},
      })
    } else if (message.type === "error") {
      this.onNotice?.({
        reason: typeof message.reason === "string" ? message.reason : "",
        message: typeof message.message === "string" ? message.message : "",
        documentId:
          typeof message.documentId === "string"
            ? (message.documentId as DocumentId)
            : undefined,
      })
    } else {
      if (message.type === "sync") this.onSync?.()
      this.emit("message", message as unknown as Message)
    }
  }
}

function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength
  ) as ArrayBuffer
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}
