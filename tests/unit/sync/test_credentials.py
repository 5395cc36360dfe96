"""The hub tracks authenticated connections by credential, from authentication to leaving."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from server.auth.policy import Identity
from server.clock import now_ms
from server.storage.memory import MemoryDocumentStore
from server.sync.hub import SyncHub
from server.sync.peers import Connection
from tests.support.fakes import RecordingTransport
from tests.support.hub_peer import hub_on


class Socket:
    """An authenticated connection that has not joined, and its sender."""

    def __init__(self, hub: SyncHub, expires_at_ms: int | None = None) -> None:
        self.transport = RecordingTransport()
        self.connection = Connection(
            self.transport,
            server_peer_id=hub.server_peer_id,
            identity=Identity(account_id="a1", credential_id="c1", expires_at_ms=expires_at_ms),
            messages_per_second=1000,
            message_burst=1000,
            max_outbound_bytes=1 << 20,
        )
        self.sender = asyncio.create_task(self.connection.run_sender())

    async def closed(self) -> tuple[tuple[int, str] | None, list[dict[str, object]]]:
        await asyncio.wait_for(self.sender, 5)
        return self.transport.closed, self.transport.frames

    async def close(self) -> None:
        self.connection.close()
        await self.sender


@pytest.fixture
async def hub() -> AsyncIterator[SyncHub]:
    hub = hub_on(MemoryDocumentStore())
    yield hub
    await hub.close()


async def test_a_credential_revoked_while_it_was_read_is_read_again(hub: SyncHub) -> None:
    socket = Socket(hub)
    epoch = hub.credential_epoch

    hub.credential_revoked("c1")  # while the handler awaited the credential's row
    stale = hub.authenticated(socket.connection, epoch)
    fresh = hub.authenticated(socket.connection, hub.credential_epoch)

    assert not stale
    assert fresh
    await socket.close()


async def test_revoking_closes_a_connection_that_has_not_joined(hub: SyncHub) -> None:
    socket = Socket(hub)
    assert hub.authenticated(socket.connection, hub.credential_epoch)

    hub.credential_revoked("c1")
    closed, frames = await socket.closed()

    assert closed == (4401, "credential revoked")
    assert [(f["type"], f["message"]) for f in frames] == [("error", "credential revoked")]


async def test_an_expired_credential_closes_its_connection(hub: SyncHub) -> None:
    socket = Socket(hub, expires_at_ms=now_ms() - 1)  # expired between its read and now

    assert hub.authenticated(socket.connection, hub.credential_epoch)
    closed, frames = await socket.closed()

    assert closed == (4401, "credential expired")
    assert [f["message"] for f in frames] == ["credential expired"]


async def test_a_connection_that_left_is_forgotten(hub: SyncHub) -> None:
    socket = Socket(hub, expires_at_ms=now_ms() + 60_000)
    assert hub.authenticated(socket.connection, hub.credential_epoch)

    hub.leave(socket.connection)
    hub.credential_revoked("c1")

    assert not socket.connection.is_closing()
    await socket.close()
