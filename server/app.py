"""create_app(): the one place that wires settings, storage, policy and routes together."""

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get

from server.auth.policy import DocumentPolicy, OpenPolicy
from server.ids import PeerId
from server.settings import Settings
from server.storage.memory import MemoryDocumentStore
from server.storage.protocol import DocumentStore
from server.storage.sqlite import SqliteDocumentStore
from server.sync.documents import DocumentRegistry
from server.sync.handler import sync_socket
from server.sync.hub import SyncHub

log = logging.getLogger(__name__)


@get("/api/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


async def _open_store(settings: Settings) -> DocumentStore:
    if settings.storage == "memory":
        return MemoryDocumentStore()
    return await SqliteDocumentStore.open(settings.database_path)


async def _storage_id(store: DocumentStore) -> str:
    # Stable across restarts: clients key their saved sync state for us by it (spec 2.2).
    storage_id = await store.get_meta("storage_id")
    if storage_id is None:
        storage_id = str(uuid.uuid4())
        await store.set_meta("storage_id", storage_id)
    return storage_id


def create_app(settings: Settings, policy: DocumentPolicy | None = None) -> Litestar:
    access = policy if policy is not None else OpenPolicy()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        store = await _open_store(settings)
        try:
            storage_id = await _storage_id(store)
            documents = DocumentRegistry(
                store,
                memory_budget=settings.document_memory_budget,
                snapshot_every=settings.snapshot_every,
            )
            hub = SyncHub(
                documents,
                access,
                server_peer_id=PeerId(settings.server_peer_id or f"sync-server-{storage_id[:8]}"),
                storage_id=storage_id,
            )
            app.state.hub = hub
            app.state.settings = settings
            try:
                yield
            finally:
                await hub.close()
        finally:
            await store.close()

    return Litestar(route_handlers=[health, sync_socket], lifespan=[lifespan])
