"""The sync hub: routes each peer message to its document, through the access policy.

Order for every message that names a document (architecture.md 3): validate the id, ask the
policy for this account's grant, load the document, apply the message to a copy of it, refuse
(dropping the copy: the live document never held the changes) if the message wrote without
write access, with an actor bound to another account, or against the document's rules (the
`ChangeRules` port, through which app.py hands in the plan template's write and shape rules:
the hub never imports the plans feature); otherwise the copy becomes the live document, the
commit is queued, and replies/fan-out go only once durable (documents.py). No access gets
`doc-unavailable`, exactly like a missing document; the peer is remembered, so it is synced
the moment the document is registered or access is granted.
"""

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from server.auth.attribution import ActorBindings
from server.auth.policy import Access, ChangeRules, DocumentPolicy, Grant, WrittenChanges
from server.clock import now_ms
from server.crdt.change_ops import ChangeOpsError, TooManyOps, decode
from server.crdt.engine import (
    MAX_MISSING_DEPENDENCIES,
    LiveDocument,
    Received,
    ReceivedChange,
    SyncDataError,
    asks_for_everything,
    carries_changes,
    has_empty_heads,
    message_heads,
    whole_document_message,
)
from server.crdt.object_paths import change_touches
from server.crdt.patches import PatchFormatError, Touch
from server.errors import ProtocolError
from server.ids import DocumentId, PeerId, parse_document_id
from server.settings import MAX_EPHEMERAL_BYTES
from server.storage.protocol import ChangeRecord
from server.sync.documents import DocState, DocumentRegistry, SendStored
from server.sync.messages import (
    ACCESS_REVOKED,
    ACCOUNT_DELETED,
    CHANGE_REFUSED,
    CREDENTIAL_EXPIRED,
    CREDENTIAL_REVOKED,
    DOCUMENT_DELETED,
    PROTOCOL_VERSION,
    READ_ONLY,
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
from server.sync.peers import CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_UNAUTHORIZED, Connection

T = TypeVar("T")

log = logging.getLogger(__name__)
MAX_VETTED_OPS = 5_000
"""A change with more operations than this is vetted from the binding's diff: an edit, even a
new item with 2,000 characters holds about 2,050; decoding this many takes about 25 ms."""

_MAX_WAITING_PER_CONNECTION = 10_000  # documents a peer may wait for access to
_READ_ONLY = "read-only: changes to this document are not accepted from you"
# Ephemeral messages are not relayed to a peer with more than this many of the largest
# allowed ones (in bytes) waiting to be sent to it.
_EPHEMERAL_BACKLOG_MESSAGES = 4


class SyncHub:
    def __init__(
        self,
        documents: DocumentRegistry,
        policy: DocumentPolicy,
        *,
        rules: ChangeRules,
        actors: ActorBindings,
        server_peer_id: PeerId,
        storage_id: str,
        max_document_bytes: int,
        max_ephemeral_bytes: int = MAX_EPHEMERAL_BYTES,
    ) -> None:
        self.documents = documents
        documents.actor_taken = actors.learn
        self.max_document_bytes = max_document_bytes
        self.policy = policy
        self.rules = rules
        self.actors = actors
        self._waiting: dict[DocumentId, set[Connection]] = {}
        self._access_epoch = 0  # bumped by every revocation (see _admit)
        self._registrations = 0  # bumped by every registration (see _admit)
        self.server_peer_id = server_peer_id
        self.storage_id = storage_id
        # Keyed by account too: a PeerId is chosen by the client, so one account must never
        # be able to displace another's connection by reusing its PeerId.
        self.peers: dict[tuple[str | None, PeerId], Connection] = {}
        # Every authenticated connection by its credential, joined or not: a revocation must
        # reach a socket that authenticated before it and joins after it.
        self._by_credential: dict[str, set[Connection]] = {}
        self._expiries: dict[Connection, asyncio.TimerHandle] = {}
        self.credential_epoch = 0  # bumped by every credential revocation (see authenticated)
        self.max_ephemeral_bytes = max_ephemeral_bytes

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
        key = (connection.identity.account_id, message.sender_id)
        previous = self.peers.get(key)
        if previous is not None and previous is not connection:
            # Normal on reconnect, sometimes before the old socket's close was noticed.
            self.leave(previous)
            previous.close(CLOSE_NORMAL, "replaced by a newer connection")
        connection.peer_id = message.sender_id
        self.peers[key] = connection
        connection.send(
            PeerMessage(
                sender_id=self.server_peer_id,
                target_id=message.sender_id,
                selected_protocol_version=PROTOCOL_VERSION,
                peer_metadata=PeerMetadata(storage_id=self.storage_id, is_ephemeral=False),
            )
        )

    def authenticated(self, connection: Connection, epoch: int) -> bool:
        """Track a connection whose identity was just read, until it leaves; False if stale.

        `epoch` is `credential_epoch` from before the credential was read: if a revocation
        happened since, the read may predate it, and the caller must read the credential
        again. From here on `credential_revoked` and the credential's expiry close it.
        """
        if epoch != self.credential_epoch:
            return False
        identity = connection.identity
        if identity.credential_id is None:
            return True
        self._by_credential.setdefault(identity.credential_id, set()).add(connection)
        if identity.expires_at_ms is not None:
            delay_s = max(0.0, (identity.expires_at_ms - now_ms()) / 1000)
            self._expiries[connection] = asyncio.get_running_loop().call_later(
                delay_s, self._expired, connection
            )
        return True

    @staticmethod
    def _expired(connection: Connection) -> None:
        connection.fail("credential expired", CLOSE_UNAUTHORIZED, why=CREDENTIAL_EXPIRED)

    def leave(self, connection: Connection) -> None:
        """Forget a connection: its sync states and interests. Safe to call twice."""
        self._forget_credential(connection)
        key = (connection.identity.account_id, connection.peer_id or PeerId(""))
        if self.peers.get(key) is connection:
            del self.peers[key]
        for document_id in list(connection.subscriptions):
            state = self.documents.peek(document_id)
            if state is not None:
                state.unsubscribe(connection)
        connection.subscriptions.clear()
        connection.sync_states.clear()
        for document_id in list(connection.waiting):
            self._stop_waiting(connection, document_id)
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

    def _unavailable(self, connection: Connection, document_id: DocumentId) -> None:
        connection.send(
            DocUnavailableMessage(
                sender_id=self.server_peer_id,
                target_id=connection.peer_id or PeerId(""),
                document_id=document_id,
            )
        )

    async def _admit(
        self,
        connection: Connection,
        document_id: DocumentId,
        echo: list[bytes] | None = None,
        before_load: SendStored | None = None,
    ) -> tuple[Grant, DocState] | None:
        """Check access, load and subscribe; None if refused (the peer was told) or closing.

        `before_load` goes to the load (`DocumentRegistry.get`) once access is granted.

        Access is decided again if any was revoked while this awaited (loading, or a commit
        the peer's previous reply waits for): a member revoked meanwhile is never subscribed.
        So is a refusal if a document was registered while the policy was asked: the peer
        was not waiting yet, so `document_registered` could not serve it.
        """
        while True:
            epoch = self._access_epoch
            registrations = self._registrations
            grant = await self.policy.grant(connection.identity, document_id)
            if connection.is_closing():
                return None
            if grant.access is Access.NONE:
                if registrations != self._registrations:
                    # Registered while we asked (`document_registered` found nobody waiting):
                    # ask again rather than wait for a registration that has passed.
                    continue
                self._wait_for_access(connection, document_id)
                self._unavailable(connection, document_id)
                return None
            state = await self.documents.get(document_id, before_load)
            if connection.is_closing():
                return None
            state.subscribe(connection)  # subscribed: the state cannot be evicted from now on
            await state.settle(connection, echo)
            if connection.is_closing():
                return None
            # After settling: what we sent meanwhile counts as answered too, so flow control
            # can never hold back the acknowledgement of the message we are about to apply.
            state.answered(connection)
            if epoch == self._access_epoch:
                return grant, state
            state.unsubscribe(connection)

    async def _sync(self, connection: Connection, message: SyncMessage | RequestMessage) -> None:
        document_id = _document_id(message.document_id)
        echo = None if carries_changes(message.data) else message_heads(message.data)
        early: list[list[bytes]] = []  # the heads sent before the load, if it was
        before_load = self._sender_before_load(connection, document_id, message.data, early)
        admitted = await self._admit(connection, document_id, echo, before_load)
        if admitted is None:
            return
        grant, state = admitted
        # From here to reply_to nothing awaits: access cannot change underneath us, and the
        # live document changes only by one assignment, after its new changes are vetted.
        if not state.has_changes and has_empty_heads(message.data):
            # Neither side has anything. The peer stays subscribed, so it gets the document
            # the moment someone uploads it (late arrival, spec 4.2).
            self._unavailable(connection, document_id)
            return
        if state.doc is None:
            state.doc = LiveDocument()
        if grant.access is not Access.WRITE and carries_changes(message.data):
            # Refused before the binding sees the changes.
            raise ProtocolError(_READ_ONLY, reason=READ_ONLY, document_id=document_id)
        try:
            received = state.doc.receive(
                connection.sync_state(document_id), message.data, state.knows
            )
        except SyncDataError as e:
            raise ProtocolError(f"invalid sync message for {document_id}") from e
        self._check_held(state.size, received, document_id)
        if received.changes:
            refusal = self._vet(connection, grant, received, state)
            if refusal is not None:
                # The live document never held these changes: dropping the copy refuses them.
                why = READ_ONLY if refusal == _READ_ONLY else CHANGE_REFUSED
                raise ProtocolError(refusal, reason=why, document_id=document_id)
            self.actors.claim(connection.identity.account_id, (c.actor for c in received.changes))
            state.doc = received.document
            state.log_changes(self._records(connection, grant, received.changes), connection)
        else:
            state.doc = received.document
            if early:  # it has the stored document: nothing more until it answers
                state.sent_whole(connection)
                _check_served(state, early[0])
                return
            if state.serve_whole(connection, message.data):
                return  # a peer that holds nothing gets the document from storage
        state.reply_to(connection)

    def _sender_before_load(
        self, connection: Connection, document_id: DocumentId, data: bytes, sent: list[list[bytes]]
    ) -> SendStored | None:
        """For a peer that holds nothing: send it a large document before it loads (decision 51).

        The load reads storage once; if that is a large document whose heads its chunks name,
        the peer is sent the stored bytes at once (`DocumentRegistry.get`), and `sent` gets
        the heads. Access was decided before the load (`_admit`); if any was revoked since
        this was made, nothing is sent and `_admit` decides again.
        """
        peer_id = connection.peer_id
        if peer_id is None or not asks_for_everything(data):
            return None
        epoch = self._access_epoch

        def send(heads: list[bytes], stored: bytes) -> None:
            if connection.is_closing() or epoch != self._access_epoch:
                return
            log.info(
                "sending %s (%d bytes) to %s from storage before loading it",
                document_id,
                len(stored),
                peer_id,
            )
            connection.send(
                SyncMessage(
                    sender_id=connection.server_peer_id,
                    target_id=peer_id,
                    document_id=document_id,
                    data=whole_document_message(heads, stored),
                )
            )
            sent.append(heads)

        return send

    def _check_held(self, size: int, received: Received, document_id: DocumentId) -> None:
        """Refuse a peer whose changes waiting for dependencies exceed what is allowed.

        A document already over the limit (stored under a higher one) is still served: only
        what a peer adds is refused.
        """
        if received.held_bytes and size + received.held_bytes > self.max_document_bytes:
            why = self._too_large()
        elif received.missing > MAX_MISSING_DEPENDENCIES:
            why = "too many changes wait for changes that were never sent"
        else:
            return
        raise ProtocolError(why, reason=CHANGE_REFUSED, document_id=document_id)

    def _vet(
        self, connection: Connection, grant: Grant, received: Received, state: DocState
    ) -> str | None:
        """Why a message's changes are refused, or None. Never raises: a failure refuses.

        `state`: the document before them (its live document, stored size and index).
        """
        try:
            return self._refusal(connection, grant, received, state)
        except Exception:
            log.exception("vetting a change from %s failed; refusing it", connection.peer_id)
            return "the server could not check this change"

    def _refusal(
        self, connection: Connection, grant: Grant, received: Received, state: DocState
    ) -> str | None:
        account_id = connection.identity.account_id
        size = state.size
        if grant.access is not Access.WRITE:
            return _READ_ONLY
        actors = {c.actor for c in received.changes}
        if not self.actors.claimable(account_id, actors):
            return "a change is signed by an actor id that belongs to another account"
        # The stored size (last snapshot + changes logged since) plus these changes and those
        # still held for their dependencies: known without serialising the document, and
        # what a new reader will have to download.
        added = sum(len(c.data) for c in received.changes) + received.held_bytes
        if size + added > self.max_document_bytes:
            return self._too_large()
        if grant.audience is None:
            return None  # no plans (OpenPolicy): documents of any shape
        doc, before = received.document, received.heads_before
        try:
            touches = _touches(state, received)  # read by both rule sets
        except (ChangeOpsError, PatchFormatError):
            return "the server could not read where this change writes"
        return self.rules.refusal(
            grant,
            WrittenChanges(
                account_id=account_id,
                document=doc,
                touches=touches,
                heads_before=before,
                written=received.written,
                owns=lambda actor: actor in actors or self.actors.owner(actor) == account_id,
                document_id=state.document_id,
                stored=state.saved,
            ),
        )

    def _too_large(self) -> str:
        return f"this document has reached the server's limit of {self.max_document_bytes:,} bytes"

    def _wait_for_access(self, connection: Connection, document_id: DocumentId) -> None:
        if len(connection.waiting) >= _MAX_WAITING_PER_CONNECTION:
            return
        connection.waiting.add(document_id)
        self._waiting.setdefault(document_id, set()).add(connection)

    async def document_registered(self, document_id: DocumentId) -> None:
        """Sync the peers that asked for a document before they could have it (AccessEvents).

        A peer whose access check is still on its way back is not waiting yet: the count
        bumped here makes `_admit` ask again if that check found nothing.
        """
        self._registrations += 1
        for connection in list(self._waiting.get(document_id, ())):
            admitted = await self._admit(connection, document_id)
            if admitted is None:
                continue  # still not allowed (told unavailable again), or closing
            _, state = admitted
            self._stop_waiting(connection, document_id)
            if state.doc is None:
                state.doc = LiveDocument()
            # A fresh sync state: the first message tells the peer what we have (maybe
            # nothing), and a peer holding the document answers by uploading it.
            connection.sync_states.pop(document_id, None)
            state.reply_to(connection)

    def access_revoked(self, account_id: str, document_ids: list[DocumentId]) -> None:
        """The account's connections stop receiving these documents now (AccessEvents).

        Each is told, per document, in an `error` naming it (reason `access-revoked`), and
        stays open for the documents it may still read: its app removes the plan at once.
        """
        self._access_epoch += 1
        for connection in list(self.peers.values()):
            if connection.identity.account_id != account_id:
                continue
            for document_id in document_ids:
                self._stop_waiting(connection, document_id)
                state = self.documents.peek(document_id)
                if state is not None:
                    state.unsubscribe(connection)
                connection.tell(
                    "access revoked: you are no longer a member of this plan",
                    ACCESS_REVOKED,
                    document_id,
                )
        self.documents.evict_idle()

    async def documents_deleted(self, document_ids: list[DocumentId]) -> None:
        """Deleted documents leave at once: every peer is unsubscribed (AccessEvents).

        Their states are dropped from memory, so nothing is served from there; the policy
        has already stopped admitting them (the caller withdrew them first), and a message
        that was waiting meanwhile is decided again (`_admit`). Returns once the commits and
        snapshot writes already under way for them are done, so that deleting their rows
        afterwards leaves none behind.
        """
        self._access_epoch += 1
        states = []
        for document_id in document_ids:
            told: set[Connection] = set()
            for connection in list(self._waiting.get(document_id, ())):
                self._stop_waiting(connection, document_id)
                told.add(connection)
            state = self.documents.drop(document_id)
            if state is not None:
                for connection in list(state.subscribers):
                    state.unsubscribe(connection)
                    told.add(connection)
                states.append(state)
            for connection in told:
                if connection.peer_id is not None:
                    connection.tell("this plan was deleted", DOCUMENT_DELETED, document_id)
        await self.documents.settled(states, document_ids)

    async def stored_document(self, document_id: DocumentId) -> bytes | None:
        """Everything stored of a document, live copy included (DocumentRegistry.stored)."""
        return await self.documents.stored(document_id)

    async def read_stored(self, work: Callable[[bytes], T], data: bytes) -> T:
        """`work(data)` off the event loop (DocumentRegistry.read_off_loop)."""
        return await self.documents.read_off_loop(work, data)

    def credential_revoked(self, credential_id: str, *, account_deleted: bool = False) -> None:
        """Close every connection opened with this session or token (AccessEvents).

        Joined or not: a socket authenticated before the revocation and joining after it
        must never be served. Each is told why (reason `credential-revoked`, or
        `account-deleted`) before the close with code 4401.
        """
        self.credential_epoch += 1
        why, text = (
            (ACCOUNT_DELETED, "this account was deleted")
            if account_deleted
            else (CREDENTIAL_REVOKED, "credential revoked")
        )
        for connection in list(self._by_credential.get(credential_id, ())):
            connection.fail(text, CLOSE_UNAUTHORIZED, why=why)
            self._forget_credential(connection)

    def _forget_credential(self, connection: Connection) -> None:
        expiry = self._expiries.pop(connection, None)
        if expiry is not None:
            expiry.cancel()
        credential_id = connection.identity.credential_id
        connections = self._by_credential.get(credential_id or "")
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._by_credential[credential_id or ""]

    def _stop_waiting(self, connection: Connection, document_id: DocumentId) -> None:
        connection.waiting.discard(document_id)
        waiting = self._waiting.get(document_id)
        if waiting is not None:
            waiting.discard(connection)
            if not waiting:
                del self._waiting[document_id]

    def _records(
        self, connection: Connection, grant: Grant, changes: list[ReceivedChange]
    ) -> list[ChangeRecord]:
        received_at = now_ms()
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
                role=grant.role,
            )
            for c in changes
        ]

    async def _ephemeral(self, connection: Connection, message: EphemeralMessage) -> None:
        """Relay to the document's other subscribers; never stored, never queued up.

        Duplicates are dropped by (session, count), per connection (Connection.new_ephemeral),
        so that state goes with the connection. A subscriber with a backlog of unsent frames
        does not get the message at all: presence is stale by the time it would read it, and
        a peer that stops reading must not gather relays (it is dropped at its byte budget).
        """
        if message.sender_id != connection.peer_id:
            return  # a recipient forwarding our relay back (spec 4.7): never loop it
        if len(message.data) > self.max_ephemeral_bytes:
            raise ProtocolError(f"ephemeral data larger than {self.max_ephemeral_bytes} bytes")
        document_id = _document_id(message.document_id)
        grant = await self.policy.grant(connection.identity, document_id)
        if grant.access is Access.NONE:
            self._unavailable(connection, document_id)
            return
        if not connection.new_ephemeral(message.session_id, message.count):
            return
        state = self.documents.peek(document_id)
        backlog_limit = _EPHEMERAL_BACKLOG_MESSAGES * self.max_ephemeral_bytes
        for peer in list(state.subscribers) if state is not None else []:
            if peer is connection or peer.peer_id in (None, message.sender_id):
                continue
            if peer.queued_bytes > backlog_limit:
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
        await self.documents.close()


def _document_id(text: str) -> DocumentId:
    document_id = parse_document_id(text)
    if document_id is None:
        raise ProtocolError("invalid document id")
    return document_id


def _check_served(state: DocState, heads: list[bytes]) -> None:
    """Log loudly if the loaded document lacks heads a peer was sent before the load.

    It cannot happen while `chunks.stored_heads` reads only what loading gives; if it did,
    the peer would hold changes the server does not, and would send them back as its own.
    """
    assert state.doc is not None  # noqa: S101 - the caller just set it
    if sorted(state.doc.heads) == heads or all(state.knows(h) for h in heads):
        return
    log.error(
        "document %s: a peer was sent stored heads %s before the load, which lacks them",
        state.document_id,
        ", ".join(h.hex()[:12] for h in heads),
    )


def _touches(state: DocState, received: Received) -> list[Touch]:
    """Where a message's changes wrote, read from their own operations.

    The live document's index (`DocState.paths`) says where the objects they write sit;
    their own new objects are added to a layer of it, kept if they are accepted. A change
    that writes to an object the index does not know (one the document no longer shows) is
    read from a diff of the whole document instead, as before the index, and so is a change
    of more than MAX_VETTED_OPS operations (decoding it in Python would hold up the loop).
    Raises ChangeOpsError or PatchFormatError if the changes cannot be read.
    """
    assert state.doc is not None  # noqa: S101 - a message's changes were applied to it
    try:
        changes = [decode(c.data, MAX_VETTED_OPS) for c in received.changes]
    except TooManyOps:  # a large upload: the binding's diff reads it faster than Python
        return received.document.touched(received.heads_before)
    layer = state.paths.at(state.doc).after(received.document.heads)
    touches = change_touches(layer, changes)
    if touches is None:
        return received.document.touched(received.heads_before)
    state.paths.offer(layer)
    return touches
