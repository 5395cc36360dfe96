"""Fuzzing: hostile frames over real sockets while two official clients keep editing a plan.

Attackers hold real device tokens (a read-only viewer of the plan, and an account outside
it) and send mutated and made-up frames (tests/support/frame_fuzzer.py) to the real server
process. Meanwhile the person's and a carer's official automerge-repo clients edit the plan.
Afterwards: nothing in the server's log but ordinary log records, both clients hold the same
document with every edit either made and nothing else, the server's RSS is back within
`RSS_FACTOR` of what it was before the attack, and after a restart the database serves it all.

Runs FUZZ_SECONDS (default 40) of attack; FUZZ_SEED picks the frames (default: random, and
logged; every failure message names it); FUZZ_KINDS=kind,kind sends only those kinds.
    FUZZ_SECONDS=600 FUZZ_SEED=123 .venv/bin/python -m pytest tests/interop/test_hostile_frames.py
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import random
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cbor2
import httpx
import pytest
import websockets
from api_client import stored_changes
from automerge.core import Document
from plan_docs import plan_doc, texts

from server.settings import Settings
from tests.support.automerge_docs import put
from tests.support.frame_fuzzer import HostileFrames, Target, sync_message_with_changes
from tests.support.plan_circle import fetch
from tests.support.wire_peer import WirePeer

if TYPE_CHECKING:
    from api_client import Account, Api
    from conftest import ClientFactory, NodeClient, ServerHandle

FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", "40"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(2**32))
FUZZ_KINDS = {k for k in os.environ.get("FUZZ_KINDS", "").split(",") if k}
ATTACKERS = 3  # concurrent hostile connections
WRITE_EVERY_MS = 100  # each official client makes one edit this often
# RSS after the attack (once every attacker is gone and the clients have converged) may be at
# most this many times the RSS before it. Memory the attack made the server take must be
# given back, or a patient attacker grows it without bound.
RSS_FACTOR = 1.5
# The worst latency of a tiny HTTP request during the attack: the event loop may be busy for
# a moment with a large frame, never for seconds (ordinary runs here: 0.1-0.4 s).
MAX_STALL_S = 2.0
SAFER = "safer"
# The plan as created, apart from its sections: nothing else may appear in it.
EMPTY_PLAN = {k: v for k, v in plan_doc().items() if k != "sections"}

log = logging.getLogger("fuzz")


@dataclass
class Tally:
    frames: collections.Counter[str] = field(default_factory=collections.Counter)
    replies: collections.Counter[str] = field(default_factory=collections.Counter)
    connections: int = 0
    refused_connections: int = 0
    stalls: list[float] = field(default_factory=list)  # latency of each health probe, s
    rss_peak: int = 0


# --------------------------------------------------------------------------- the server


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


# A log record as the server writes them: uvicorn's own ("INFO:     ..."), Litestar's logging
# config ("INFO - 2026-11-30 20:19:02,701 - name - module - ..."), `python -m server`'s own
# before Litestar's takes over ("2026-11-30 20:19:02,701 INFO name: ..."), and the harness's
# start banner. Only DEBUG, INFO and WARNING records are allowed: anything else (ERROR, CRITICAL, a
# traceback, a Python warning, a Rust panic, a line forged by an attacker's newline) is not
# one of these and fails the test.
_ORDINARY_LINE = re.compile(
    r"(DEBUG|INFO|WARNING):\s+\S"
    r"|(DEBUG|INFO|WARNING) - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \S+ - \S+ - "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING) \S+: "
    r"|===== start #\d+: "
    r"|$"
)


def unexpected_log_lines(log_text: str) -> list[str]:
    return [line for line in log_text.splitlines() if not _ORDINARY_LINE.match(line)]


# --------------------------------------------------------------------------- attackers


class RecordingPeer(WirePeer):
    """A protocol peer that keeps every frame it sends and receives (the fuzzer's seeds)."""

    def __init__(self, ws: Any, peer_id: str) -> None:
        super().__init__(ws, peer_id)
        self.frames: list[bytes] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.frames.append(cbor2.dumps(message))
        await super().send(message)

    async def recv(self) -> dict[str, Any]:
        message = await super().recv()
        self.frames.append(cbor2.dumps(message))
        return message


async def capture_target(url: str, peer_id: str, document_id: str, victims: list[str]) -> Target:
    """Fetch the plan as a read-only member, recording the frames; make changes to refuse."""
    peer = await RecordingPeer.connect(url, peer_id)
    assert isinstance(peer, RecordingPeer)
    doc = await fetch(peer, document_id)
    await peer.close()
    base = Document.load(doc.save())
    own = base.fork()  # a change of the viewer's own, refused: read-only
    put(own, "intruder", "a viewer's write")
    forged = base.fork()  # a change signed with the person's actor id, refused: not theirs
    forged.set_actor(bytes(base.get_changes([])[0].actor_id))
    put(forged, "intruder", "a forged write")
    refused = [
        cbor2.dumps(
            {
                "type": "sync",
                "senderId": peer_id,
                "targetId": peer.server_id,
                "documentId": document_id,
                "data": sync_message_with_changes(changed, base),
            }
        )
        for changed in (own, forged)
    ]
    return Target(
        peer_id=peer_id,
        server_id=peer.server_id,
        document_id=document_id,
        victims=victims,
        captured=peer.frames,
        refused=refused,
        max_message_bytes=Settings().max_message_bytes,
    )


async def attack(
    server: ServerHandle,
    accounts: list[Account],
    frames: HostileFrames,
    deadline: float,
    tally: Tally,
) -> None:
    """Connection after connection until `deadline`: join (mostly) and send hostile frames.

    Each connection draws from its own generator, seeded from this attacker's: connection n
    gets the same frames in every run with the seed, however early the server closed the
    ones before it.
    """
    master, target = frames.rng, frames.t
    while time.monotonic() < deadline:
        frames.rng = rng = random.Random(master.randrange(2**32))  # noqa: S311
        account = rng.choice(accounts)
        url = server.sync_url(account) if rng.random() < 0.95 else server.url
        try:
            peer = await WirePeer.connect(url, target.peer_id, join=False)
        except (OSError, TimeoutError, websockets.InvalidHandshake) as e:
            raise AssertionError(
                f"seed {FUZZ_SEED}: the server did not take a new connection: {e}"
            ) from e
        tally.connections += 1
        drain = asyncio.create_task(read_replies(peer, tally))
        try:
            if rng.random() < 0.85:  # otherwise the first frame is a hostile one: before join
                await peer.send(
                    {
                        "type": "join",
                        "senderId": frames.join_sender(),
                        "peerMetadata": {"isEphemeral": True},
                        "supportedProtocolVersions": ["1"],
                    }
                )
            for kind, frame in frames.burst():
                await peer.ws.send(frame)
                tally.frames[kind] += 1
        except websockets.ConnectionClosed:
            tally.refused_connections += 1
        finally:
            with contextlib.suppress(websockets.ConnectionClosed, TimeoutError):
                await asyncio.wait_for(peer.close(), 10)
            await drain


async def read_replies(peer: WirePeer, tally: Tally) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for frame in peer.ws:
            message = cbor2.loads(frame) if isinstance(frame, bytes) else {"type": "<text>"}
            tally.replies[str(message.get("type"))] += 1


def watch_server(server: ServerHandle, stop: threading.Event, tally: Tally) -> None:
    """Every 100 ms: how long a tiny HTTP request takes (a stalled event loop shows), and RSS.

    Runs in its own thread, so that the attackers' work in the test's event loop (building
    and masking frames of many megabytes) does not count as the server's stall.
    """
    assert server.proc is not None
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        while not stop.is_set():
            started = time.monotonic()
            response = http.get("/api/health")
            tally.stalls.append(time.monotonic() - started)
            assert response.status_code == 200, response.text
            tally.rss_peak = max(tally.rss_peak, rss_bytes(server.proc.pid))
            stop.wait(0.1)


# --------------------------------------------------------------------------- the test


async def converge(a: NodeClient, b: NodeClient, url: str) -> tuple[dict[str, Any], list[str]]:
    """Stop both writers and wait until each holds the other's last heads.

    Returns A's state and what is wrong with it: the clients differ, an edit is missing, or
    the document holds anything besides the two clients' edits.
    """
    done_a, done_b = await asyncio.gather(
        a.call("stopWriter", url=url), b.call("stopWriter", url=url)
    )
    on_a, on_b = await asyncio.gather(
        a.call("waitHeads", url=url, heads=done_b["heads"], timeoutMs=30_000),
        b.call("waitHeads", url=url, heads=done_a["heads"], timeoutMs=30_000),
    )
    problems = []
    if (on_a["heads"], on_a["doc"]) != (on_b["heads"], on_b["doc"]):
        problems.append("the two clients did not converge to the same document")
    expected = {f"A:{i}" for i in range(done_a["written"])}
    expected |= {f"B:{i}" for i in range(done_b["written"])}
    entries = texts(on_a["doc"], SAFER)
    if sorted(entries) != sorted(expected):
        problems.append(
            f"edits lost {sorted(expected - set(entries))[:10]}, "
            f"unexpected {sorted(set(entries) - expected)[:10]}"
        )
    rest = {k: v for k, v in on_a["doc"].items() if k != "sections"}
    if rest != EMPTY_PLAN or list(on_a["doc"]["sections"]) != [SAFER]:
        problems.append(f"the plan holds what neither client wrote: {rest}")
    return on_a, problems


@pytest.mark.timeout(FUZZ_SECONDS + 120)
async def test_hostile_frames_leave_the_official_clients_and_the_server_unharmed(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    log.warning("fuzz seed %d (FUZZ_SEED=%d reproduces the frames)", FUZZ_SEED, FUZZ_SEED)
    person, carer, viewer, outsider = await asyncio.gather(
        api.account("Person"), api.account("Carer"), api.account("Viewer"), api.account("Out")
    )
    a = await clients.new("A", server.sync_url(person))
    b = await clients.new("B", server.sync_url(carer))
    created, plan = await api.new_plan(person, a, plan_doc(sections={SAFER: []}))
    await api.grant(person, plan["id"], carer, "carer")
    await api.grant(person, plan["id"], viewer, "viewer")
    url, document_id = created["url"], created["documentId"]
    await a.server_ack(url)
    assert (await b.find(url))["found"]
    assert server.proc is not None
    rss_before = rss_bytes(server.proc.pid)

    rng = random.Random(FUZZ_SEED)  # noqa: S311 (reproducible, not secret)
    attackers = []
    for n in range(ATTACKERS):
        target = await capture_target(
            server.sync_url(viewer), f"intruder-{n}", document_id, [a.peer_id, b.peer_id]
        )
        frames = HostileFrames(random.Random(rng.randrange(2**32)), target)  # noqa: S311
        frames.limit(oversized=1, big_text=10, many_items=10, decoder_stress=100)
        if FUZZ_KINDS:
            frames.only(FUZZ_KINDS)
        attackers.append(frames)
    await a.start_writer(url, SAFER, "A", WRITE_EVERY_MS)
    await b.start_writer(url, SAFER, "B", WRITE_EVERY_MS)
    tally = Tally()
    stop = threading.Event()
    watcher = asyncio.create_task(asyncio.to_thread(watch_server, server, stop, tally))
    deadline = time.monotonic() + FUZZ_SECONDS
    try:
        await asyncio.gather(
            *(attack(server, [viewer, outsider], f, deadline, tally) for f in attackers)
        )
    finally:
        stop.set()
        await watcher

    final, problems = await converge(a, b, url)
    rss_after = rss_bytes(server.proc.pid)
    rows = stored_changes(server.db_path)
    if {r["doc_id"] for r in rows} != {document_id}:
        problems.append(f"documents stored besides the plan: {rows[:3]}")
    if {r["account_id"] for r in rows} != {person.id, carer.id}:
        problems.append("changes stored from an account other than the person's and carer's")
    assert await server.kill(signal.SIGTERM) == 0
    await server.restart()
    fresh = await clients.new("F", server.sync_url(carer))
    reloaded = await fresh.find(url)
    if (reloaded.get("heads"), reloaded.get("doc")) != (final["heads"], final["doc"]):
        problems.append(f"after a restart the server serves another plan: {reloaded}")
    bad_lines = unexpected_log_lines(server.log_text())
    if bad_lines:
        problems.append(
            f"the server log has {len(bad_lines)} lines that are not ordinary records:\n"
            + "\n".join(line[:300] for line in bad_lines[:40])
        )
    if rss_after > RSS_FACTOR * rss_before:
        problems.append(f"RSS after the attack is over {RSS_FACTOR} times what it was before")
    if max(tally.stalls) > MAX_STALL_S:
        problems.append(f"a health request took over {MAX_STALL_S} s: the event loop stalled")

    summary = (
        f"seed {FUZZ_SEED}: {sum(tally.frames.values())} frames in {tally.connections} "
        f"connections over {FUZZ_SECONDS:.0f} s ({tally.refused_connections} closed by the "
        f"server mid-burst), replies {dict(tally.replies)}; worst health latency "
        f"{max(tally.stalls) * 1000:.0f} ms over {len(tally.stalls)} probes; RSS before "
        f"{rss_before / 2**20:.1f} MiB, peak {tally.rss_peak / 2**20:.1f} MiB, after "
        f"{rss_after / 2**20:.1f} MiB; {len(texts(final['doc'], SAFER))} edits "
        f"converged; frames by kind {dict(sorted(tally.frames.items()))}"
    )
    log.warning("%s", summary)
    assert not problems, summary + "\n" + "\n".join(f"- {p}" for p in problems)
