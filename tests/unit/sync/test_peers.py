"""A connection's outbound side: a peer that stops reading is dropped, not waited for."""

import asyncio

import pytest

from server.auth.policy import Identity
from server.ids import PeerId
from server.sync.messages import EphemeralMessage
from server.sync.peers import EPHEMERAL_SESSIONS, Connection
from tests.support.fakes import RecordingTransport


class StalledSocket:
    """A socket whose peer stopped reading: a send never completes until it is aborted."""

    def __init__(self) -> None:
        self.sending = asyncio.Event()
        self.gone = asyncio.Event()
        self.aborted = False

    async def send_bytes(self, data: bytes) -> None:
        self.sending.set()
        await self.gone.wait()
        raise ConnectionResetError("the socket was aborted")

    async def close(self, code: int, reason: str) -> None:
        await self.gone.wait()
        raise ConnectionResetError("the socket was aborted")

    def abort(self) -> None:
        self.aborted = True
        self.gone.set()


def connection(transport: StalledSocket | RecordingTransport, budget: int) -> Connection:
    return Connection(
        transport,
        server_peer_id=PeerId("server"),
        identity=Identity(),
        messages_per_second=100,
        message_burst=100,
        max_outbound_bytes=budget,
    )


def relay(count: int) -> EphemeralMessage:
    return EphemeralMessage(
        sender_id=PeerId("a"),
        target_id=PeerId("b"),
        document_id="2jpe17LWLWpWWr3fAPY5bjnk8YRD",
        session_id="s",
        count=count,
        data=b"\xa0" * 10_000,
    )


async def test_a_peer_that_stops_reading_is_aborted_at_its_budget_with_its_queue() -> None:
    socket = StalledSocket()
    peer = connection(socket, budget=100_000)
    sender = asyncio.create_task(peer.run_sender())
    peer.send(relay(1))
    await socket.sending.wait()  # the sender is stuck in the socket's send

    sent = 1
    while not peer.is_closing():
        sent += 1
        peer.send(relay(sent))

    assert sent == 11  # ten 10 kB frames wait; the eleventh would pass 100 kB
    assert socket.aborted  # at once: not a close queued behind frames nobody reads
    assert peer.queued_bytes == 0
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(sender, 5)  # the sender stopped with the socket


async def test_an_aborted_peer_sends_nothing_more() -> None:
    transport = RecordingTransport()
    peer = connection(transport, budget=100_000)
    sender = asyncio.create_task(peer.run_sender())

    peer.send(relay(1))
    peer.abort()
    peer.send(relay(2))
    await asyncio.wait_for(sender, 5)

    assert transport.aborted
    assert transport.frames == []
    assert transport.closed is None


def test_ephemeral_de_duplication_is_by_session_and_count_and_bounded() -> None:
    peer = connection(RecordingTransport(), budget=100_000)

    assert peer.new_ephemeral("s", 1)
    assert not peer.new_ephemeral("s", 1)
    assert not peer.new_ephemeral("s", 0)
    assert peer.new_ephemeral("s", 2)
    for n in range(EPHEMERAL_SESSIONS):
        assert peer.new_ephemeral(f"other-{n}", 1)

    assert not peer.new_ephemeral(f"other-{EPHEMERAL_SESSIONS - 1}", 1)  # recent: remembered
    assert peer.new_ephemeral("s", 2)  # the oldest was forgotten: one duplicate at worst
