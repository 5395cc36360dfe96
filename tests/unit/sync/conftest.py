"""Fixtures of the sync unit tests."""

from collections.abc import AsyncIterator

import pytest

from server.auth.attribution import ActorBindings
from server.auth.policy import OpenPolicy
from server.ids import PeerId
from server.sync.documents import DocumentRegistry
from server.sync.hub import SyncHub
from tests.support.fakes import GatedStore


@pytest.fixture
async def gated() -> AsyncIterator[tuple[SyncHub, GatedStore]]:
    store = GatedStore()
    registry = DocumentRegistry(store, memory_budget=1 << 30, snapshot_every=1000)
    hub = SyncHub(
        registry,
        OpenPolicy(),
        actors=ActorBindings({}),
        server_peer_id=PeerId("server"),
        storage_id="s1",
    )
    yield hub, store
    store.gate.set()
    await registry.drain()
