"""Document sync through the server between official automerge-repo Node clients.

Covers: fetching a document created elsewhere, convergence of concurrent edits, quick
rejection of unknown documents, the "late arrival" push of a document that appeared after
it was requested, and a multi-megabyte document in both directions.

Every client connects with its own account's token. A document counts as "on the server"
only after its creator's account registered it (``POST /api/plans``); another account finds
it only after the person granted it access (invite + accept as carer). Where the carer
writes too, the data lives in an item of `sections.safer`, the section the plan template
lets carers write (the server enforces it, plans/write_rules.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from api_client import Api
    from conftest import ClientFactory, NodeClient, ServerHandle

SAFER_ITEM = ["sections", "safer", 0]


async def test_create_on_a_find_on_b(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    assert a.peer_id != b.peer_id

    created, plan = await api.new_plan(
        alice, a, {"title": "hello", "items": [1, 2, 3], "nested": {"ok": True}}
    )
    await a.change(created["url"], {"op": "push", "path": ["items"], "value": 4})
    await api.grant(alice, plan["id"], bob, "carer")
    # B may only ask once the server has the document, else "unavailable" is correct.
    await a.server_ack(created["url"])
    expected = await a.state(created["url"])

    found = await b.find(created["url"])
    assert found["found"], f"B could not find A's document: {found}"
    assert found["doc"] == {"title": "hello", "items": [1, 2, 3, 4], "nested": {"ok": True}}
    assert found["heads"] == expected["heads"]


async def test_concurrent_edits_converge(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    item = {"list": [], "shared": "initial", "a": 0, "b": 0}
    created, plan = await api.new_plan(alice, a, {"sections": {"safer": [item]}})
    await api.grant(alice, plan["id"], bob, "carer")
    url = created["url"]
    await a.server_ack(url)
    assert (await b.find(url))["found"]

    async def edit(client: NodeClient, tag: str, count: int) -> None:
        for i in range(count):
            # Same list and the same key from both sides: real conflicts to resolve.
            await client.change(
                url,
                {"op": "push", "path": [*SAFER_ITEM, "list"], "value": f"{tag}{i}"},
                {"op": "set", "path": [*SAFER_ITEM, "shared"], "value": f"{tag}{i}"},
                {"op": "set", "path": [*SAFER_ITEM, tag], "value": i + 1},
            )

    await asyncio.gather(edit(a, "a", 20), edit(b, "b", 20))
    heads_a = (await a.state(url))["heads"]
    heads_b = (await b.state(url))["heads"]

    final_a = await a.wait_heads(url, heads_b)
    final_b = await b.wait_heads(url, heads_a)
    assert final_a["heads"] == final_b["heads"], "heads differ after both sides synced"
    assert final_a["doc"] == final_b["doc"], "content differs after both sides synced"
    doc = final_a["doc"]["sections"]["safer"][0]
    assert sorted(doc["list"]) == sorted([f"{t}{i}" for t in "ab" for i in range(20)])
    assert doc["a"] == 20
    assert doc["b"] == 20
    assert doc["shared"] in ("a19", "b19")


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
    created, plan = await api.new_plan(carol, c, {"from": "C", "late": True})
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
    assert ready["doc"] == {"from": "C", "late": True}
    assert ready["heads"] == created["heads"]

    second = await b.find(url)
    assert second["found"], f"second find() after the push failed: {second}"
    assert second["doc"] == {"from": "C", "late": True}


@pytest.mark.timeout(120)
async def test_large_document_both_ways(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    chunk = 1024 * 1024
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    created, plan = await api.new_plan(alice, a, {"sections": {"safer": [{"chunks": []}]}})
    await api.grant(alice, plan["id"], bob, "carer")
    url = created["url"]
    # ~5 MiB of random bytes: incompressible, so the upload really is ~5 MB on the wire.
    after_a = await a.change(
        url,
        *[
            {"op": "pushRandomBytes", "path": [*SAFER_ITEM, "chunks"], "size": chunk}
            for _ in range(5)
        ],
    )
    saved = (await a.call("savedSize", url=url))["bytes"]
    assert saved >= 5 * chunk, f"document is only {saved} bytes in storage format"
    await a.server_ack(url, timeout_ms=60_000)

    found = await b.find(url, timeout_ms=60_000)
    assert found["found"], f"B could not fetch the 5 MiB document: {found}"
    assert found["heads"] == after_a["heads"]
    assert found["digest"] == after_a["digest"], "B's copy differs from A's"
    chunks = found["doc"]["sections"]["safer"][0]["chunks"]
    assert sum(c["$bytes"] for c in chunks) == 5 * chunk

    # And back: B's edit (another incompressible MiB) must reach A.
    after_b = await b.change(
        url,
        {"op": "pushRandomBytes", "path": [*SAFER_ITEM, "chunks"], "size": chunk},
        {"op": "set", "path": [*SAFER_ITEM, "editedBy"], "value": "B"},
    )
    on_a = await a.wait_heads(url, after_b["heads"], timeout_ms=60_000)
    assert on_a["heads"] == after_b["heads"]
    assert on_a["digest"] == after_b["digest"], "A's copy differs from B's after B's edit"
    assert on_a["doc"]["sections"]["safer"][0]["editedBy"] == "B"
