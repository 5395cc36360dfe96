"""Document sync through the server between official automerge-repo Node clients.

Covers: fetching a document created elsewhere, convergence of concurrent edits, quick
rejection of unknown documents, the "late arrival" push of a document that appeared after
it was requested, and a multi-megabyte document in both directions.

Every client connects with its own account's token. A document counts as "on the server"
only after its creator's account registered it (``POST /api/plans``); another account finds
it only after the person granted it access (invite + accept as carer). Documents are plan
documents as the app writes them (the server refuses any other shape, plans/shape_rules.py);
where the carer writes too, it is in `sections.safer`, the section the plan template lets
carers write (plans/write_rules.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from plan_docs import add, plan_doc, texts

# Every test here runs against a server on SQLite and one on PostgreSQL (conftest.py).
DATABASES = ("sqlite", "postgres")

if TYPE_CHECKING:
    from api_client import Api
    from conftest import ClientFactory, NodeClient, ServerHandle

SAFER = "safer"
SAFER_ITEM = ["sections", SAFER, 0]
MIB = 1024 * 1024


async def test_create_on_a_find_on_b(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    assert a.peer_id != b.peer_id

    created, plan = await api.new_plan(alice, a, plan_doc(sections={"coping": ["1", "2", "3"]}))
    await a.change(created["url"], add("coping", "4"))
    await api.grant(alice, plan["id"], bob, "carer")
    # B may only ask once the server has the document, else "unavailable" is correct.
    await a.server_ack(created["url"])
    expected = await a.state(created["url"])

    found = await b.find(created["url"])
    assert found["found"], f"B could not find A's document: {found}"
    assert texts(found["doc"], "coping") == ["1", "2", "3", "4"]
    assert found["doc"] == expected["doc"]
    assert found["heads"] == expected["heads"]


async def test_concurrent_edits_converge(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    created, plan = await api.new_plan(alice, a, plan_doc(sections={SAFER: ["initial"]}))
    await api.grant(alice, plan["id"], bob, "carer")
    url = created["url"]
    await a.server_ack(url)
    assert (await b.find(url))["found"]

    async def edit(client: NodeClient, tag: str, count: int) -> None:
        for i in range(count):
            # The same list and the same item's text from both sides: real conflicts.
            await client.change(
                url,
                add(SAFER, f"{tag}{i}", item_id=f"{tag}{i}"),
                {"op": "set", "path": [*SAFER_ITEM, "text"], "value": f"{tag}{i}"},
            )

    await asyncio.gather(edit(a, "a", 20), edit(b, "b", 20))
    heads_a = (await a.state(url))["heads"]
    heads_b = (await b.state(url))["heads"]

    final_a = await a.wait_heads(url, heads_b)
    final_b = await b.wait_heads(url, heads_a)
    assert final_a["heads"] == final_b["heads"], "heads differ after both sides synced"
    assert final_a["doc"] == final_b["doc"], "content differs after both sides synced"
    first, *added = final_a["doc"]["sections"][SAFER]
    assert sorted(i["id"] for i in added) == sorted(f"{t}{i}" for t in "ab" for i in range(20))
    assert first["text"] in ("a19", "b19")


async def test_unknown_document_is_unavailable(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    b = await clients.new("B", server.sync_url(await api.account("Bob")))
    url = (await b.call("randomUrl"))["url"]
    # A silent server would leave find() pending until the client's own 60 s handle
    # timeout; give up at 15 s and report that as the failure it is.
    result = await b.find(url, timeout_ms=15_000)
    assert not result["found"], f"a random document was found: {result}"
    assert result["ms"] < 10_000, (
        f"not rejected within 10 s ({result}): the server must answer a request for an "
        "unknown document with doc-unavailable promptly"
    )
    assert "unavailable" in result["error"], result


@pytest.mark.timeout(60)
async def test_late_arrival_is_pushed(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    carol = await api.account("Carol")
    bob = await api.account("Bob")
    # C creates the document while offline, so its id is known before the server has it.
    # Carol registers it and lets Bob in at once: the server knows the id but has no data.
    c = await clients.new("C")
    late = plan_doc(sections={"coping": ["from C, late"]})
    created, plan = await api.new_plan(carol, c, late)
    await api.grant(carol, plan["id"], bob, "carer")
    url = created["url"]
    b = await clients.new("B", server.sync_url(bob))

    first = await b.find(url)
    assert not first["found"], f"found before anyone uploaded it: {first}"
    assert "unavailable" in first["error"], first
    assert (await b.call("handleState", url=url))["state"] == "unavailable"

    # Now C connects and uploads; the server must push the document to B, which asked.
    await c.connect(server.sync_url(carol))
    ready = await b.call("waitReady", url=url, timeoutMs=15_000)
    assert ready["doc"] == late
    assert ready["heads"] == created["heads"]

    second = await b.find(url)
    assert second["found"], f"second find() after the push failed: {second}"
    assert second["doc"] == late


@pytest.mark.timeout(120)
async def test_large_document_both_ways(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    created, plan = await api.new_plan(alice, a, plan_doc(sections={SAFER: []}))
    await api.grant(alice, plan["id"], bob, "carer")
    url = created["url"]
    # Items of 2,000 random characters (the longest text the server accepts), ~4.4 KB each
    # in storage format: 400 of them make about 1.7 MiB, and as much on the wire (the
    # server's 4 MiB document limit counts the changes as sent, which are larger).
    items = {"op": "pushRandomItems", "path": ["sections", SAFER], "count": 100, "size": 2000}
    after_a = await a.change(url, *[items] * 4)
    saved = (await a.call("savedSize", url=url))["bytes"]
    assert saved >= 1.5 * MIB, f"document is only {saved} bytes in storage format"
    await a.server_ack(url, timeout_ms=60_000)

    found = await b.find(url, timeout_ms=60_000)
    assert found["found"], f"B could not fetch the large document: {found}"
    assert found["heads"] == after_a["heads"]
    assert found["digest"] == after_a["digest"], "B's copy differs from A's"
    assert len(found["doc"]["sections"][SAFER]) == 400

    # And back: B's edit (about 0.4 MiB) must reach A.
    after_b = await b.change(url, {**items, "count": 100}, add(SAFER, "edited by B"))
    on_a = await a.wait_heads(url, after_b["heads"], timeout_ms=60_000)
    assert on_a["heads"] == after_b["heads"]
    assert on_a["digest"] == after_b["digest"], "A's copy differs from B's after B's edit"
    assert texts(on_a["doc"], SAFER)[-1] == "edited by B"
