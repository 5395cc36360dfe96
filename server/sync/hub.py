"""The sync hub: routes each peer message to its document, through the access policy.

Order for every message that names a document (architecture.md 3): validate the id, ask the
policy (READ), load the document, apply, ask the policy again if the message wrote (WRITE,
refused -> the document is restored), queue the commit, and reply/fan out only once durable
(documents.py). A refused read gets `doc-unavailable`, exactly like a missing document.
"""

import logging
import time
from collections import OrderedDict

from server.auth.policy import Access, DocumentPolicy
from server.errors import ProtocolError
from server.ids import DocumentId, PeerId, parse_document_id
from server.storage.protocol import ChangeRecord
from server.sync.documents import DocumentRegistry
from server.sync.engine import LiveDocument, ReceivedChange, SyncDataError, has_empty_heads
from server.sync.messages import (
    PROTOCOL_VERSION,
    DocUnavailableMessage,
    EphemeralMessage,
    ErrorMessage,
    FromClient,
    JoinMessage,
    LeaveMessage,
    PeerMessage,
    PeerMetadata,
    RemoteHeadsChangedMessage,
    RemoteSubscriptionChangeMessage,
    RequestMessage,
    SyncMessage,
    UnknownMessage,
)
from server.sync.peers import CLOSE_GOING_AWAY, CLOSE_NORMAL, Connection

log = logging.getLogger(__name__)

_EPHEMERAL_MEMORY = 10_000  # (sender, session) pairs remembered for de-duplication


class SyncHub:
    def __init__(
        self,
        documents: DocumentRegistry,
        policy: DocumentPolicy,
        *,
        server_peer_id: PeerId,
        storage_id: str,
    ) -> None:
        self.documents = documents
        self.policy = policy
        self.server_peer_id = server_peer_id
        self.storage_id = storage_id
        self.peers: dict[PeerId, Connection] = {}
        self._ephemeral_seen: OrderedDict[tuple[str, str], int] = OrderedDict()

    def join(self, connection: Connection, message: JoinMessage) -> None:
        """Register the peer (replacing an older socket of the same PeerId) and answer `peer`."""
        if PROTOCOL_VERSION not in message.supported_protocol_versions:
            connection.send(
                ErrorMessage(
                    sender_id=self.server_peer_id,
                    target_id=message.sender_id,
                    message="unsupported protocol version",
                )
            )
            connection.close(CLOSE_NORMAL, "unsupported protocol version")
            return
        previous = self.peers.get(message.sender_id)
        if previous is not None and previous is not connection:
            # Normal on reconnect, sometimes before the old socket's close was noticed.
            self.leave(previous)
            previous.close(CLOSE_NORMAL, "replaced by a newer connection")
        connection.peer_id = message.sender_id
        self.peers[message.sender_id] = connection
        connection.send(
            PeerMessage(
                sender_id=self.server_peer_id,
                target_id=message.sender_id,
                selected_protocol_version=PROTOCOL_VERSION,
                peer_metadata=PeerMetadata(storage_id=self.storage_id, is_ephemeral=False),
            )
        )

    def leave(self, connection: Connection) -> None:
        """Forget a connection: its sync states and interests. Safe to call twice."""
        if connection.peer_id is not None and self.peers.get(connection.peer_id) is connection:
            del self.peers[connection.peer_id]
        for document_id in list(connection.subscriptions):
            state = self.documents.peek(document_id)
            if state is not None:
                state.unsubscribe(connection)
        connection.subscriptions.clear()
        connection.sync_states.clear()
        self.documents.evict_idle()

    async def handle(self, connection: Connection, message: FromClient | UnknownMessage) -> None:
        """Dispatch one decoded message from a joined peer. Raises ProtocolError to cut it off."""
        if (
            isinstance(message, SyncMessage | RequestMessage)
            and message.sender_id != connection.peer_id
        ):
            log.info("ignoring a sync message for another peer on %s's socket", connection.peer_id)
            return
        match message:
            case SyncMessage() | RequestMessage():
                await self._sync(connection, message)
            case EphemeralMessage():
                await self._ephemeral(connection, message)
            case JoinMessage():
                raise ProtocolError("join sent twice on one connection")
            case UnknownMessage(type=message_type):
                log.info(
                    "ignoring unknown message type %r from %s", message_type, connection.peer_id
                )
            case (
                DocUnavailableMessage()
                | RemoteSubscriptionChangeMessage()
                | RemoteHeadsChangedMessage()
                | LeaveMessage()
            ):
                # We never ask clients for documents, and keep no remote-heads gossip.
                pass

    async def _allowed(
        self, connection: Connection, document_id: DocumentId, access: Access
    ) -> bool:
        return await self.policy.allows(connection.identity, document_id, access)

    def _unavailable(self, connection: Connection, document_id: DocumentId) -> None:
        connection.send(
            DocUnavailableMessage(
                sender_id=self.server_peer_id,
                target_id=connection.peer_id or PeerId(""),
                document_id=document_id,
            )
        )

    async def _sync(self, connection: Connection, message: SyncMessage | RequestMessage) -> None:
        document_id = _document_id(message.document_id)
        if not await self._allowed(connection, document_id, Access.READ):
            self._unavailable(connection, document_id)
            return
        state = await self.documents.get(document_id)
        if connection.closing:
            return
        # From here to reply_to nothing awaits: the state cannot be evicted underneath us.
        state.subscribe(connection)
        if not state.has_changes and has_empty_heads(message.data):
            # Neither side has anything. The peer stays subscribed, so it gets the document
            # the moment someone uploads it (late arrival, spec 4.2).
            self._unavailable(connection, document_id)
            return
        if state.doc is None:
            state.doc = LiveDocument()
        heads_before = state.doc.heads
        try:
            changes = state.doc.receive(connection.sync_state(document_id), message.data)
        except SyncDataError as e:
            raise ProtocolError(f"invalid sync message for {document_id}") from e
        if changes and not await self._allowed(connection, document_id, Access.WRITE):
            state.doc.restore(heads_before)
            raise ProtocolError(f"not allowed to change {document_id}")
        if changes:
            state.log_changes(self._records(connection, changes))
        state.reply_to(connection)

    def _records(self, connection: Connection, changes: list[ReceivedChange]) -> list[ChangeRecord]:
        received_at = int(time.time() * 1000)
        return [
            ChangeRecord(
                hash=c.hash,
                actor=c.actor,
                seq=c.seq,
                data=c.data,
                change_time_ms=c.change_time_ms,
                received_at_ms=received_at,
                peer_id=connection.peer_id,
                account_id=connection.identity.account_id,
            )
            for c in changes
        ]

    async def _ephemeral(self, connection: Connection, message: EphemeralMessage) -> None:
        if message.sender_id != connection.peer_id:
            return  # a recipient forwarding our relay back (spec 4.7): never loop it
        document_id = _document_id(message.document_id)
        if not await self._allowed(connection, document_id, Access.READ):
            self._unavailable(connection, document_id)
            return
        key = (message.sender_id, message.session_id)
        if self._ephemeral_seen.get(key, -1) >= message.count:
            return
        self._ephemeral_seen[key] = message.count
        self._ephemeral_seen.move_to_end(key)
        if len(self._ephemeral_seen) > _EPHEMERAL_MEMORY:
            self._ephemeral_seen.popitem(last=False)
        state = self.documents.peek(document_id)
        for peer in list(state.subscribers) if state is not None else []:
            if peer is connection or peer.peer_id in (None, message.sender_id):
                continue
            relayed = EphemeralMessage(
                sender_id=message.sender_id,
                target_id=peer.peer_id,
                document_id=message.document_id,
                session_id=message.session_id,
                count=message.count,
                data=message.data,
            )
            peer.send(relayed)

    async def close(self) -> None:
        """Shutdown: disconnect every peer, finish commits, snapshot what changed."""
        for connection in list(self.peers.values()):
            connection.close(CLOSE_GOING_AWAY, "server shutting down")
            self.leave(connection)
        await self.documents.drain()
        self.documents.snapshot_all()
        await self.documents.drain()


def _document_id(text: str) -> DocumentId:
    document_id = parse_document_id(text)
    if document_id is None:
        raise ProtocolError("invalid document id")
    return document_id
