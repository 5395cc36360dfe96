"""Fixtures of the sync unit tests."""

from collections.abc import AsyncIterator

import pytest

from server.sync.hub import SyncHub
from tests.support.fakes import GatedStore
from tests.support.hub_peer import hub_on


@pytest.fixture
async def gated() -> AsyncIterator[tuple[SyncHub, GatedStore]]:
    store = GatedStore()
    hub = hub_on(store)
    registry = hub.documents
    yield hub, store
    store.gate.set()
    await registry.drain()
