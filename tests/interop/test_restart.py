"""Server restarts: clients reconnect on their own, and what was relayed survives a crash.

The official client retries every 5 s after its socket closes, so every reconnect here
costs about 5 s, except in the crash test, which sets the clients' retry timer to 200 ms.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import TYPE_CHECKING

import pytest
from api_client import stored_changes
from plan_docs import add, plan_doc, texts

if TYPE_CHECKING:
    from api_client import Api
    from conftest import ClientFactory, ServerHandle

SAFER = "safer"
# The crash test's plan grows by about 140 KB per kill (below): a long run would reach the
# server's 4 MiB limit per document, and the server would then (rightly) refuse the writers.
SERVER_ARGS = ("--max-document-size", str(256 * 1024 * 1024))


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


@pytest.mark.timeout(120)
async def test_a_large_plan_reaches_a_new_phone_from_storage_after_a_restart(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    # After a restart nothing is in memory: a phone that holds nothing of a large plan is
    # sent the stored bytes before the server loads it (decision 51), and the official
    # client takes them, then syncs on from there.
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    created, plan = await api.new_plan(alice, a, plan_doc(sections={SAFER: []}))
    await api.grant(alice, plan["id"], bob, "carer")
    url = created["url"]
    # 40 items of 2,000 random characters: about 180 KB stored, over the 64 KiB threshold.
    items = {"op": "pushRandomItems", "path": ["sections", SAFER], "count": 40, "size": 2000}
    written = await a.change(url, items)
    await a.server_ack(url, timeout_ms=60_000)
    await a.kill()
    assert await server.kill(signal.SIGTERM) == 0
    await server.restart()

    b = await clients.new("B", server.sync_url(bob))
    found = await b.find(url, timeout_ms=60_000)
    assert found["found"], f"the new phone could not fetch the plan: {found}"
    assert found["heads"] == written["heads"]
    assert found["digest"] == written["digest"], "the new phone's copy differs"
    log_text = server.log_text()
    assert "from storage before loading it" in log_text, "the plan was not sent before its load"
    assert "which lacks them" not in log_text
    after = await b.change(url, add(SAFER, "from the new phone"))
    await b.server_ack(url)
    assert after["heads"][0] in {r["hash"] for r in stored_changes(server.db_path)}


# How many times the crash test kills the server, and how often each writer writes. Every
# Automerge peer (ours, the reference server's, the clients') pays for each sync message in
# proportion to the plan's history: at 12,000 changes one appended item costs our server
# 2.7 ms and automerge 3.5 in Node 5.0 ms (scripts/measure_receive_cost.py and .mjs), so the
# server that takes 200 such messages a second (and as many without changes) falls behind
# for good somewhere past 10,000 changes, and the clients' waits below time out. The plan
# grows by what the writers write while the server is down and restarting, which is slow
# on a loaded CI machine (2.5 s, against 0.7 s here): at 10 ms per write CI reached that
# size after 10 kills. At 25 ms the plan stays under about 5,000
# changes for 12 kills there, and the two writers still put an edit in flight every
# 12.5 ms on average when the server is killed. A longer run writes less often:
# SIGKILLS=200 WRITE_EVERY_MS=100.
SIGKILLS = int(os.environ.get("SIGKILLS", "12"))
# The clients' reconnect timer (the official default is 5 s): short, so that the writers
# are back within a fraction of a second of each restart.
RETRY_MS = 200
WRITE_EVERY_MS = int(os.environ.get("WRITE_EVERY_MS", "25"))

log = logging.getLogger("crash")


@pytest.mark.timeout(60 + 8 * SIGKILLS)
async def test_no_acknowledged_or_relayed_change_is_lost_across_sigkills(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    # The person's phone and a carer's phone keep writing while the server is SIGKILLed
    # again and again (and restarted on the same data dir and port). After each kill, before
    # the restart, only the disk can answer: every change a client holds an acknowledgement
    # for (in the history of the heads the server advertised) or received from the other
    # (through the server, which relays only what is committed) must be in the database.
    # At the end the writers die like crashed apps and a fresh client must get all of it
    # from the restarted server.
    person = await api.account("Person")
    carer = await api.account("Carer")
    a, b = await clients.new("A"), await clients.new("B")
    await a.call("connect", url=server.sync_url(person), retryMs=RETRY_MS)
    await b.call("connect", url=server.sync_url(carer), retryMs=RETRY_MS)
    created, plan = await api.new_plan(person, a, plan_doc(sections={SAFER: []}))
    await api.grant(person, plan["id"], carer, "carer")
    url, document_id = created["url"], created["documentId"]
    await a.server_ack(url)
    assert (await b.find(url))["found"]
    await a.start_writer(url, SAFER, "A", WRITE_EVERY_MS)
    await b.start_writer(url, SAFER, "B", WRITE_EVERY_MS)

    proven: set[str] = set()  # changes the server must never lose
    for kill in range(1, SIGKILLS + 1):
        # Both writers are connected to this server and relaying: each holds the other's
        # edits made since the restart. Then kill it with edits in flight.
        heads_a, heads_b = await asyncio.gather(a.state(url), b.state(url))
        try:
            await asyncio.gather(
                a.call("waitHeads", url=url, heads=heads_b["heads"], full=False),
                b.call("waitHeads", url=url, heads=heads_a["heads"], full=False),
            )
        except AssertionError as e:  # a NodeCommandError (conftest): the wait timed out
            got = [len(await c.server_messages("sync")) for c in (a, b)]
            stored = len(stored_changes(server.db_path, document_id))
            raise AssertionError(
                f"after {kill - 1} SIGKILLs and restarts the two clients stopped syncing "
                f"(sync messages from the server so far: A {got[0]}, B {got[1]}; the plan "
                f"has {stored:,} stored changes): {e}"
            ) from None
        # Each failed reconnect attempt counts as a disconnect too: wait for one more.
        gone = [(await c.call("waitDisconnect", count=0))["disconnectCount"] for c in (a, b)]
        assert await server.kill(signal.SIGKILL) == -signal.SIGKILL
        after = await asyncio.gather(
            a.call("waitDisconnect", count=gone[0] + 1), b.call("waitDisconnect", count=gone[1] + 1)
        )
        # Counted by then: a reply is dropped while the dying socket closes (client.mjs).
        dropped = [d["sendsDroppedWhileClosing"] for d in after]
        claims = await asyncio.gather(
            a.call("serverProof", url=url), b.call("serverProof", url=url)
        )
        claimed = {h for c in claims for h in c["acked"] + c["received"]}
        stored = {r["hash"] for r in stored_changes(server.db_path, document_id)}
        lost = claimed - stored
        assert not lost, (
            f"kill {kill}: {len(lost)} of {len(claimed)} acknowledged or relayed changes are "
            f"not in the database after SIGKILL: {sorted(lost)[:10]}"
        )
        proven |= claimed
        log.info("kill %d: %d changes stored, %d sends dropped", kill, len(stored), sum(dropped))
        if kill == SIGKILLS:
            break
        await server.restart()
        await asyncio.gather(a.call("waitPeer", count=kill + 1), b.call("waitPeer", count=kill + 1))

    # The writers die like crashed apps before the last restart: nothing can be re-sent.
    await a.kill()
    await b.kill()
    await server.restart()
    fresh = await clients.new("F", server.sync_url(carer))
    found = await fresh.find(url)
    assert found["found"], f"the plan is gone after {SIGKILLS} SIGKILLs: {found}"
    has = await fresh.has_changes(url, sorted(proven))
    lost_at_end = sorted(h for h, present in has.items() if not present)
    entries = texts(found["doc"], SAFER)
    log.warning(
        "%d SIGKILLs while 2 clients wrote: %d acknowledged or relayed changes, %d lost; "
        "%d edits in the plan; replies dropped on a closing socket (client.mjs): %s",
        SIGKILLS,
        len(proven),
        len(lost_at_end),
        len(entries),
        dropped,
    )
    assert not lost_at_end, f"{len(lost_at_end)} changes lost: {lost_at_end[:10]}"
