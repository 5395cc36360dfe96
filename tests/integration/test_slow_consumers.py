"""A subscriber that stops reading costs the server little and briefly: ephemeral relays to
it stop at a small backlog, and at its byte budget it is dropped at once (what was queued
for it discarded, its socket aborted), while everyone else keeps being served."""

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from server.settings import KIB, MIB, Settings
from tests.support.automerge_docs import new_document_id
from tests.support.hub_peer import REQUEST_PAYLOAD
from tests.support.live_server import LiveServer, live_server
from tests.support.wire_peer import WirePeer

RELAYS = 400  # of 64 KiB each: 25 MiB, far more than socket buffers hold


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        max_message_bytes=1 * MIB,
        messages_per_second=5000,
        message_burst=5000,
        max_ephemeral_bytes=64 * KIB,
    )


async def subscriber(server: LiveServer, doc_id: str) -> WirePeer:
    peer = await WirePeer.connect(server.url)
    await peer.send_sync(doc_id, REQUEST_PAYLOAD, "request")
    assert (await peer.recv())["type"] == "doc-unavailable"  # subscribed, waiting for it
    return peer


async def stalled_subscriber(server: LiveServer, doc_id: str) -> WirePeer:
    """A subscriber that will never read, with a fixed 64 KiB receive buffer.

    With the kernel's autotuning (up to 32 MiB on some machines: `tcp_rmem`) its socket
    would keep taking what the server sends, and the backlog these tests need would come
    late or never: the close test failed 8 of 8 runs on such a machine.
    """
    peer = await subscriber(server, doc_id)
    peer.ws.transport.get_extra_info("socket").setsockopt(
        socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * KIB
    )
    return peer


async def broadcast(sender: WirePeer, reader: WirePeer, doc_id: str) -> None:
    """RELAYS ephemeral messages, each sent once the reader has the one before."""
    for count in range(1, RELAYS + 1):
        await sender.send(
            {
                "type": "ephemeral",
                "senderId": sender.peer_id,
                "targetId": sender.server_id,
                "documentId": doc_id,
                "sessionId": "session",
                "count": count,
                "data": b"\xa0" * (64 * KIB),
            }
        )
        assert (await reader.recv_type("ephemeral"))["count"] == count


async def test_relays_to_a_subscriber_that_stops_reading_stop_at_a_small_backlog(
    server: LiveServer,
) -> None:
    doc_id = new_document_id()
    stalled = await stalled_subscriber(server, doc_id)
    reader = await subscriber(server, doc_id)
    sender = await WirePeer.connect(server.url)

    await broadcast(sender, reader, doc_id)

    connection = next(c for c in server.hub.peers.values() if c.peer_id == stalled.peer_id)
    assert not connection.is_closing()
    assert connection.queued_bytes <= 5 * 64 * KIB + 4 * KIB  # four of them and one more
    for peer in (sender, reader):
        await peer.close()
    stalled.ws.transport.abort()


@pytest.fixture
async def tight_server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(msgspec.structs.replace(settings, max_outbound_bytes=192 * KIB)) as s:
        yield s


async def test_a_subscriber_that_stops_reading_is_dropped_at_its_budget(
    tight_server: LiveServer,
) -> None:
    doc_id = new_document_id()
    stalled = await stalled_subscriber(tight_server, doc_id)
    connection = next(c for c in tight_server.hub.peers.values() if c.peer_id == stalled.peer_id)
    reader = await subscriber(tight_server, doc_id)
    sender = await WirePeer.connect(tight_server.url)

    await broadcast(sender, reader, doc_id)
    assert connection.is_closing()
    assert connection.queued_bytes == 0  # discarded at once
    code, messages = await stalled.closed()

    assert code is None  # aborted: no close frame queued behind what it did not read
    assert len(messages) < RELAYS
    put_back = await subscriber(tight_server, doc_id)  # the others are served as before
    for peer in (sender, reader, put_back):
        await peer.close()


@pytest.fixture
async def impatient_server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(msgspec.structs.replace(settings, close_grace_s=0)) as s:
        yield s


async def test_a_closed_subscriber_that_does_not_read_its_last_frames_is_aborted(
    impatient_server: LiveServer,
) -> None:
    doc_id = new_document_id()
    stalled = await stalled_subscriber(impatient_server, doc_id)
    reader = await subscriber(impatient_server, doc_id)
    sender = await WirePeer.connect(impatient_server.url)
    await broadcast(sender, reader, doc_id)  # the stalled peer's socket is full

    await stalled.send({"type": "sync", "senderId": stalled.peer_id, "documentId": 7})
    code, messages = await stalled.closed()

    assert code is None  # aborted once the grace (none here) was over, not left open
    assert "error" not in [m["type"] for m in messages]  # it never read that far
    for peer in (sender, reader):
        await peer.close()
