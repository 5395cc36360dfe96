"""Server restarts: clients reconnect on their own, and what was relayed survives a crash.

The official client retries every 5 s after its socket closes, so every reconnect here
costs about 5 s; there is no way around it without changing the client's behaviour.
"""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING

import pytest
from plan_docs import add, plan_doc, texts

if TYPE_CHECKING:
    from api_client import Api
    from conftest import ClientFactory, ServerHandle

SAFER = "safer"
LOG = "coping"  # the section the person's devices append to


@pytest.mark.timeout(90)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_clients_resync_after_restart(
    server: ServerHandle, clients: ClientFactory, api: Api, sig: signal.Signals
) -> None:
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    # The carer writes too: into sections.safer, which the plan template lets carers write.
    created, plan = await api.new_plan(alice, a, plan_doc(sections={SAFER: ["before"]}))
    await api.grant(alice, plan["id"], bob, "carer")
    url = created["url"]
    await a.server_ack(url)
    assert (await b.find(url))["found"]

    rc = await server.kill(sig)
    if sig == signal.SIGTERM:
        assert rc == 0, f"server exited with {rc} on SIGTERM (a clean exit is required)"
    # Edit only once A knows the server is gone, so this edit cannot have reached it.
    await asyncio.gather(a.call("waitDisconnect", count=1), b.call("waitDisconnect", count=1))
    offline = await a.change(url, add(SAFER, "while down"))

    await server.restart()
    # Nobody tells the clients: they must reconnect by themselves (5 s retry timer).
    await asyncio.gather(a.call("waitPeer", count=2), b.call("waitPeer", count=2))
    on_b = await b.wait_heads(url, offline["heads"])
    on_a = await a.state(url)
    assert on_b["heads"] == on_a["heads"]
    assert texts(on_b["doc"], SAFER) == ["before", "while down"]

    # And the other direction over the new connections.
    after = await b.change(url, add(SAFER, "after restart"))
    on_a = await a.wait_heads(url, after["heads"])
    assert texts(on_a["doc"], SAFER) == ["before", "while down", "after restart"]


ROUNDS = 5
# How many new entries the reader must have seen in a round before the kill: enough that
# several sync batches (the client sends at most one per 100 ms) went through the server.
SEEN_PER_ROUND = 40


@pytest.mark.timeout(180)
async def test_relayed_changes_survive_sigkill(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    # The writers are the person's devices (a new app each round), the readers and the
    # fresh clients a carer's. Accounts, tokens and grants live in the server's database,
    # so they survive the SIGKILLs like the document does.
    person = await api.account("Person")
    carer = await api.account("Carer")
    url = ""
    known: list[str] = []  # the log as the fresh client found it after the last restart
    for rnd in range(ROUNDS):
        writer = await clients.new(f"W{rnd}", server.sync_url(person))
        reader = await clients.new(f"R{rnd}", server.sync_url(carer))
        if rnd == 0:
            created, plan = await api.new_plan(person, writer, plan_doc(sections={LOG: []}))
            await api.grant(person, plan["id"], carer, "carer")
            url = created["url"]
            await writer.server_ack(url)
        else:
            assert (await writer.find(url))["found"]
        assert (await reader.find(url))["found"]

        await writer.call(
            "startWriter", url=url, path=["sections", LOG], tag=f"r{rnd}", every=2, asItems=True
        )
        await reader.call(
            "waitLength", url=url, path=["sections", LOG], min=len(known) + SEEN_PER_ROUND
        )
        # Crash the server while the writer keeps editing (changes are in flight).
        rc = await server.kill(signal.SIGKILL)
        assert rc == -signal.SIGKILL
        # The server is dead, so this is exactly what the reader had received through it.
        seen = await reader.state(url)
        # Neither client may re-upload anything after the restart: the writer dies like a
        # crashed app, the reader is shut down. Only the server's disk can answer now.
        await writer.kill()
        await reader.close()

        await server.restart()
        fresh = await clients.new(f"F{rnd}", server.sync_url(carer))
        found = await fresh.find(url)
        assert found["found"], f"round {rnd}: document lost after SIGKILL: {found}"
        try:
            now = await fresh.wait_heads(url, seen["heads"], timeout_ms=10_000)
        except AssertionError as e:
            raise AssertionError(
                f"round {rnd}: after SIGKILL + restart the server lacks changes that reader "
                f"{reader.peer_id} had received through it (reader saw "
                f"{len(texts(seen['doc'], LOG))} entries, the server now serves "
                f"{len(texts((await fresh.state(url))['doc'], LOG))}): {e}"
            ) from None
        log_now = texts(now["doc"], LOG)
        seen_log = texts(seen["doc"], LOG)
        assert log_now[: len(seen_log)] == seen_log
        assert len(log_now) >= len(known) + SEEN_PER_ROUND
        known = log_now
        await fresh.close()
