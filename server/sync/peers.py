"""One peer's connection: its outbound queue, per-document sync states and flood limits.

Sending never blocks the caller: messages are encoded and queued, and a sender task writes
them to the socket. A peer that stops reading is cut off once too much waits for it: what is
queued for it is discarded and its socket aborted at once (a close would wait behind the
frames it does not read), so a slow or hostile client can neither stall the documents it
shares with others nor keep memory.
"""

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Protocol

from server.auth.policy import Identity
from server.crdt.engine import PeerSyncState
from server.ids import DocumentId, PeerId
from server.sync import codec
from server.sync.messages import PROTOCOL_ERROR, ErrorMessage, ToClient

log = logging.getLogger(__name__)

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_POLICY_VIOLATION = 1008
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL_ERROR = 1011
CLOSE_UNAUTHORIZED = 4401  # application range: no valid credential (HTTP 401's meaning)

# Ephemeral sessions remembered per connection for de-duplication. A client has one (per
# Repo); the oldest is forgotten beyond this, which at worst relays a duplicate once.
EPHEMERAL_SESSIONS = 64


class Transport(Protocol):
    """The socket as the connection needs it (the handler adapts Litestar's WebSocket)."""

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...

    def abort(self) -> None:
        """Drop the connection now, without a closing handshake and unsent data."""


class Connection:
    def __init__(
        self,
        transport: Transport,
        *,
        server_peer_id: PeerId,
        identity: Identity,
        messages_per_second: float,
        message_burst: int,
        max_outbound_bytes: int,
        close_grace_s: float = 10.0,
    ) -> None:
        self.transport = transport
        self.server_peer_id = server_peer_id
        self.identity = identity
        self.peer_id: PeerId | None = None
        self.sync_states: dict[DocumentId, PeerSyncState] = {}
        self.subscriptions: set[DocumentId] = set()
        self.waiting: set[DocumentId] = set()  # asked for, but not (yet) allowed to read
        self._outbox: asyncio.Queue[bytes | tuple[int, str] | None] = asyncio.Queue()
        self._outbox_bytes = 0
        self._ephemeral_counts: OrderedDict[str, int] = OrderedDict()
        self._max_outbound_bytes = max_outbound_bytes
        self._close_grace_s = close_grace_s
        self._close_deadline: asyncio.TimerHandle | None = None
        self._rate = messages_per_second
        self._burst = float(message_burst)
        self._tokens = float(message_burst)
        self._refilled = time.monotonic()
        self.closing = False

    def __repr__(self) -> str:
        return f"<Connection {self.peer_id!r}>"

    def is_closing(self) -> bool:
        # A method, not the attribute: callers check again after awaits, and type checkers
        # would otherwise assume the attribute cannot have changed.
        return self.closing

    @property
    def queued_bytes(self) -> int:
        """Bytes of frames queued for this peer and not yet handed to the socket."""
        return self._outbox_bytes

    def sync_state(self, document_id: DocumentId) -> PeerSyncState:
        state = self.sync_states.get(document_id)
        if state is None:
            state = self.sync_states[document_id] = PeerSyncState()
        return state

    def take_message_token(self) -> bool:
        """Token bucket: False once the peer sends faster than its rate beyond its burst."""
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def new_ephemeral(self, session_id: str, count: int) -> bool:
        """Record an ephemeral message from this peer; False if it is not newer than the last.

        Keys are session ids only: the hub relays a peer's own messages only (spec 4.7).
        """
        if self._ephemeral_counts.get(session_id, -1) >= count:
            return False
        self._ephemeral_counts[session_id] = count
        self._ephemeral_counts.move_to_end(session_id)
        if len(self._ephemeral_counts) > EPHEMERAL_SESSIONS:
            self._ephemeral_counts.popitem(last=False)
        return True

    def send(self, message: ToClient) -> None:
        if self.closing:
            return
        frame = codec.encode(message)
        if self._outbox_bytes + len(frame) > self._max_outbound_bytes:
            log.warning(
                "peer %s is not reading (%d bytes unsent); dropping it",
                self.peer_id,
                self._outbox_bytes,
            )
            self.abort()
            return
        self._outbox_bytes += len(frame)
        self._outbox.put_nowait(frame)

    def fail(
        self,
        reason: str,
        code: int = CLOSE_PROTOCOL_ERROR,
        *,
        why: str = PROTOCOL_ERROR,
        document_id: str | None = None,
    ) -> None:
        """Tell the peer what went wrong in an `error` message, then close its socket.

        `reason` is for people, `why` its machine-readable code (messages.ErrorMessage).
        """
        if self.closing:
            return
        log.info("closing peer %s: %s", self.peer_id, reason)
        self.tell(reason, why, document_id)
        self.close(code, reason)

    def tell(self, text: str, why: str, document_id: str | None = None) -> None:
        """Send an `error` message: `text` for people, `why` its code (messages.ErrorMessage).

        On its own (an `error` that names a document) it leaves the connection open.
        """
        self.send(
            ErrorMessage(
                sender_id=self.server_peer_id,
                target_id=self.peer_id,
                message=text,
                reason=why,
                document_id=document_id,
            )
        )

    def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        """Close after everything already queued has been sent. Idempotent.

        A peer that has not taken it all within the close grace is aborted: one that stopped
        reading would otherwise hold its socket, and what waits for it, for good.
        """
        if self.closing:
            return
        self.closing = True
        self._outbox.put_nowait((code, reason[:120]))  # a close reason is at most 123 bytes
        self._close_deadline = asyncio.get_running_loop().call_later(
            self._close_grace_s, self._close_overdue
        )

    def _close_overdue(self) -> None:
        log.info("peer %s did not read its last frames; aborting", self.peer_id)
        self.abort()

    def abort(self) -> None:
        """Drop the peer at once: discard everything queued and abort the socket."""
        self.closing = True
        self._cancel_close_deadline()
        while not self._outbox.empty():
            self._outbox.get_nowait()
        self._outbox_bytes = 0
        self._outbox.put_nowait(None)  # a sender waiting for frames stops
        self.transport.abort()  # a sender blocked on the socket fails and stops

    def _cancel_close_deadline(self) -> None:
        if self._close_deadline is not None:
            self._close_deadline.cancel()
            self._close_deadline = None

    async def run_sender(self) -> None:
        """Write queued frames until a close is queued; then close the socket."""
        try:
            while True:
                item = await self._outbox.get()
                if item is None:
                    return
                if isinstance(item, tuple):
                    await self.transport.close(*item)
                    return
                self._outbox_bytes -= len(item)
                await self.transport.send_bytes(item)
        finally:
            self._cancel_close_deadline()  # done, one way or another: nothing to abort
