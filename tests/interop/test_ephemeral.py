"""Ephemeral messages (``handle.broadcast``) relayed by the server between Node clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plan_docs import plan_doc

if TYPE_CHECKING:
    from api_client import Api
    from conftest import ClientFactory, ServerHandle


async def test_broadcast_reaches_peer_not_author(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    alice = await api.account("Alice")
    bob = await api.account("Bob")
    a = await clients.new("A", server.sync_url(alice))
    b = await clients.new("B", server.sync_url(bob))
    created, plan = await api.new_plan(alice, a, plan_doc())
    await api.grant(alice, plan["id"], bob, "carer")
    url = created["url"]
    await a.server_ack(url)
    # The server relays ephemeral messages only to peers syncing the document.
    assert (await b.find(url))["found"]

    await a.call("broadcast", url=url, message={"cursor": 42, "who": "A"})
    on_b = await b.call("waitEphemeral", url=url, count=1, timeoutMs=10_000)
    assert on_b["messages"] == [{"senderId": a.peer_id, "message": {"cursor": 42, "who": "A"}}]

    # Barrier instead of a sleep: B received A's message (and, like every client, forwarded
    # it straight back to the server) before it sends its own. A server that echoes A's
    # message back to A would deliver that echo to A before B's message, so once A has B's
    # message, an echo would already be visible.
    await b.call("broadcast", url=url, message={"cursor": 7, "who": "B"})
    on_a = await a.call("waitEphemeral", url=url, count=1, timeoutMs=10_000)
    assert on_a["messages"] == [{"senderId": b.peer_id, "message": {"cursor": 7, "who": "B"}}], (
        "A's ephemeral handler saw something besides B's message (its own echoed back?)"
    )
    echoed = [m for m in on_a["raw"] if m["senderId"] == a.peer_id]
    assert not echoed, f"the server sent A's own ephemeral message back to A: {echoed}"
