"""A client of the sync hub in-process: a Connection with an Automerge document behind it."""

import asyncio
from collections.abc import Callable

from automerge.core import Document, Message, SyncState

from server.auth.attribution import ActorBindings
from server.auth.policy import Access, DocumentPolicy, Grant, Identity, OpenPolicy
from server.ids import DocumentId, PeerId
from server.plans.change_rules import PlanChangeRules
from server.settings import Settings
from server.storage.protocol import ChangeFeed, DocumentStore
from server.sync.documents import DocumentRegistry
from server.sync.hub import SyncHub
from server.sync.messages import JoinMessage, RequestMessage, SyncMessage
from server.sync.peers import Connection
from tests.support.automerge_docs import document_with
from tests.support.fakes import GatedStore, RecordingTransport

# A request's payload when the peer has nothing: what automerge-repo sends to ask for a document.
REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")


class Peer:
    """A connection to the hub with an Automerge document on the client side."""

    def __init__(
        self, hub: SyncHub, name: str, doc: Document | None = None, account: str | None = None
    ) -> None:
        self.hub = hub
        self.transport = RecordingTransport()
        self.connection = Connection(
            self.transport,
            server_peer_id=hub.server_peer_id,
            identity=Identity(account_id=account),
            messages_per_second=1000,
            message_burst=1000,
            max_outbound_bytes=1 << 26,
        )
        self.name = PeerId(name)
        self.doc = doc if doc is not None else Document()
        self.state = SyncState()
        self.sender = asyncio.create_task(self.connection.run_sender())
        self.seen = 0
        hub.join(self.connection, JoinMessage(sender_id=self.name))

    async def next_frame(self) -> dict[str, object]:
        frames = await self.transport.wait_for(self.seen + 1)
        self.seen += 1
        return frames[self.seen - 1]

    async def send_sync(self, doc_id: str, *, request: bool = False) -> None:
        message = self.doc.generate_sync_message(self.state)
        data = REQUEST_PAYLOAD if message is None else bytes(message.encode())
        cls = RequestMessage if request else SyncMessage
        await self.hub.handle(
            self.connection, cls(sender_id=self.name, document_id=doc_id, data=data)
        )

    async def upload(self, doc_id: str) -> None:
        """Sync until the peer has nothing more to say (the server holds its document)."""
        while (message := self.doc.generate_sync_message(self.state)) is not None:
            data = bytes(message.encode())
            await self.hub.handle(
                self.connection, SyncMessage(sender_id=self.name, document_id=doc_id, data=data)
            )
            self.apply(await self.next_frame())

    async def receive_until(self, doc_id: str, done: Callable[[], bool]) -> None:
        """Apply the server's messages, answering each as a client does, until `done()`.

        One message need not bring a change: if the Bloom filter of the peer's own changes
        seems to hold it (a false positive: 41 in 3,000 runs of one exchange, the filter
        holding one change), the server sends it once the peer's answer asks for it.
        """
        self.apply(await self.next_frame())
        while not done():
            await self.send_sync(doc_id)
            self.apply(await self.next_frame())

    def apply(self, frame: dict[str, object]) -> None:
        assert frame["type"] == "sync"
        data = frame["data"]
        assert isinstance(data, bytes)
        self.doc.receive_sync_message(self.state, Message.decode(data))

    async def close(self) -> None:
        self.hub.leave(self.connection)
        self.connection.close()
        await self.sender


class RolesPolicy:
    """Each account writes every document in its role, in a plan for everyone (a fake of
    our policy port, the plan template's write rules applying)."""

    enforced = True

    def __init__(self, roles: dict[str, str]) -> None:
        self.roles = roles

    async def grant(self, identity: Identity, document_id: str) -> Grant:
        return Grant(Access.WRITE, role=self.roles[identity.account_id or ""], audience="everyone")


class SwitchablePolicy:
    """A DocumentPolicy whose answers the test sets (a fake behind our own port)."""

    enforced = True

    def __init__(self) -> None:
        self.grants: dict[str | None, Grant] = {}
        self.asked = asyncio.Event()
        self.answering = asyncio.Event()
        """Cleared: an answer, read when asked, is held back until the test sets it (a
        database query still on its way back while access changes)."""
        self.answering.set()

    async def grant(self, identity: Identity, document_id: DocumentId) -> Grant:
        found = self.grants.get(identity.account_id, Grant(Access.NONE))
        self.asked.set()
        await self.answering.wait()
        return found


def hub_on(
    store: DocumentStore,
    *,
    memory_budget: int = 1 << 30,
    policy: DocumentPolicy | None = None,
    snapshot_every: int = 1000,
    max_document_bytes: int = Settings().max_document_bytes,
    feed: ChangeFeed | None = None,
) -> SyncHub:
    """A hub over `store` (open access unless a policy is given), as create_app wires one."""
    registry = DocumentRegistry(
        store, memory_budget=memory_budget, snapshot_every=snapshot_every, feed=feed
    )
    return SyncHub(
        registry,
        policy if policy is not None else OpenPolicy(),
        rules=PlanChangeRules(),
        actors=ActorBindings({}),
        server_peer_id=PeerId("server"),
        storage_id="s1",
        max_document_bytes=max_document_bytes,
    )


async def upload_held_at_commit(hub: SyncHub, store: GatedStore, doc_id: str) -> Peer:
    """A writer whose upload of a new document has been applied, its commit held."""
    writer = Peer(hub, "writer", document_with({"a": "1"}))
    assert (await writer.next_frame())["type"] == "peer"
    await writer.send_sync(doc_id)
    writer.apply(await writer.next_frame())  # the server asks for the changes
    await writer.send_sync(doc_id)  # the upload
    await asyncio.wait_for(store.append_started.wait(), 5)
    return writer
