"""Hostile episodes leave no memory behind: the server process's RSS returns to its baseline.

A real `python -m server` process (accounts required, default settings), one account's
peers over real sockets: subscribers of one document, some of which stop reading, and an
attacker sending ephemeral messages. After each episode ends, the server's resident memory
must come back within 10 % of what it was before the first.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import websockets

from tests.support.api import ApiUser
from tests.support.hub_peer import REQUEST_PAYLOAD
from tests.support.plan_circle import create_plan, register
from tests.support.server_process import ServerHandle, free_port, tail
from tests.support.wire_peer import WirePeer

KIB = 1024
SETTLE_S = 15.0  # how long RSS may take to come back once an episode is over


def rss(server: ServerHandle) -> int:
    assert server.proc is not None
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * KIB
    raise AssertionError("no VmRSS")


async def rss_settles(server: ServerHandle, limit: int) -> int:
    """RSS once it is at most `limit`, or (after SETTLE_S) the last reading."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        current = rss(server)
        if current <= limit or time.monotonic() > deadline:
            return current
        await asyncio.sleep(0.1)  # poll interval of a condition loop, not a sync sleep


class Circle:
    """One person's peers on one document of their plan."""

    def __init__(self, server: ServerHandle, person: ApiUser, doc_id: str) -> None:
        self.server = server
        self.person = person
        self.doc_id = doc_id

    async def peer(self) -> WirePeer:
        return await WirePeer.connect(self.person.sync_url(self.server.url))

    async def subscriber(self) -> WirePeer:
        peer = await self.peer()
        await peer.send_sync(self.doc_id, REQUEST_PAYLOAD, "request")
        assert (await peer.recv())["type"] == "doc-unavailable"  # subscribed, nothing yet
        return peer

    def ephemeral(
        self, peer: WirePeer, session_id: str, count: int, data: bytes
    ) -> dict[str, object]:
        return {
            "type": "ephemeral",
            "senderId": peer.peer_id,
            "targetId": peer.server_id,
            "documentId": self.doc_id,
            "sessionId": session_id,
            "count": count,
            "data": data,
        }


@pytest.fixture
async def circle(tmp_path: Path) -> AsyncIterator[Circle]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = ServerHandle(free_port(), data_dir, tmp_path / "server.log")
    await server.start()
    person = await ApiUser.sign_up(server.base_url, "person")
    try:
        plan = await create_plan(person)
        doc_id = await register(person, plan["id"], "everyone")
        yield Circle(server, person, doc_id)
    except BaseException:
        print(tail(server.log_text()))  # noqa: T201 - the server's side of a failure
        raise
    finally:
        await person.close()
        await server.teardown()


async def _send_all(peer: WirePeer, messages: list[dict[str, object]]) -> None:
    """Send until the server closes the socket (as it should, at the first); then go."""
    with contextlib.suppress(websockets.ConnectionClosed):
        for message in messages:
            await peer.send(message)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(peer.closed(), 5)
    peer.ws.transport.abort()


async def test_rss_returns_after_hostile_ephemeral_episodes(circle: Circle) -> None:
    readers = [await circle.subscriber() for _ in range(2)]
    stalled = [await circle.subscriber() for _ in range(4)]
    warm = await circle.peer()
    for count in range(1, 21):  # every code path once, so the baseline includes them
        await warm.send(circle.ephemeral(warm, "warm-up", count, b"\xa0" * 1000))
    for reader in readers:
        for _ in range(20):
            await reader.recv_type("ephemeral")
    await warm.close()
    baseline = rss(circle.server)
    limit = int(baseline * 1.10)

    # 1. A thousand messages with 256 KiB session ids (each would be remembered for de-dup).
    attacker = await circle.peer()
    long_ids = [
        circle.ephemeral(attacker, f"{n:06}" + "s" * (256 * KIB), 1, b"\xa0") for n in range(1000)
    ]
    await _send_all(attacker, long_ids)
    del long_ids
    after_long_ids = await rss_settles(circle.server, limit)

    # 2. Four subscribers stop reading while 1 MiB ephemeral messages arrive for them.
    attacker = await circle.peer()
    big = [circle.ephemeral(attacker, "big", n, b"\xa0" * (1024 * KIB)) for n in range(1, 200)]
    await _send_all(attacker, big)
    del big
    after_big = await rss_settles(circle.server, limit)

    # 3. The same with the largest data allowed: relays beyond a small backlog are dropped.
    attacker = await circle.peer()
    for count in range(1, 400):
        await attacker.send(circle.ephemeral(attacker, "max", count, b"\xa0" * (64 * KIB)))
    for reader in readers:  # the readers get them: the episode really ran
        while (await reader.recv_type("ephemeral"))["sessionId"] != "max":
            pass  # (a relay of an earlier episode, from a server that relayed those)
    await attacker.close()
    after_backlog = await rss_settles(circle.server, limit)
    for peer in stalled:  # they go away as a client that stopped reading does: at once
        peer.ws.transport.abort()
    after_stalled_left = await rss_settles(circle.server, limit)

    for reader in readers:
        reader.ws.transport.abort()  # a close would wait behind the relays they did not read
    mib = 1024 * KIB
    figures = (
        f"baseline {baseline / mib:.1f} MiB; after long session ids {after_long_ids / mib:.1f}, "
        f"after 1 MiB messages {after_big / mib:.1f}, after the backlog {after_backlog / mib:.1f}, "
        f"after the stalled peers left {after_stalled_left / mib:.1f}"
    )
    print(figures)  # noqa: T201 - the figures docs/architecture.md quotes
    assert max(after_long_ids, after_big, after_backlog, after_stalled_left) <= limit, figures
