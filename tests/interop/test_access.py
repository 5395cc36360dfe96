"""Access control under attack: real HTTP, real WebSockets, the official Node client.

Each test plays one attack against a person's plan and asserts two things: nothing leaked
(the attacker's client never received the document, a change, or an ephemeral message it
may not see; no other client received the attacker's change) and nothing was stored (the
server's SQLite file, opened read-only, and ``GET /api/plans/{id}/changes`` hold no change
of the attacker's). Raw Python sockets are used only where the Node client cannot express
the attack (no ``join`` before sending, a chosen actor id in Python's Automerge, a forged
``Origin`` header with a session cookie).

"Never received" is checked after a barrier, not a sleep: a legitimate change made after the
attack reached a legitimate client, and a round trip on the attacker's own connection (a
request for a random document, answered with doc-unavailable) came back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cbor2
import pytest
import websockets
from api_client import SESSION_COOKIE, Account, Api, stored_changes, update
from automerge.core import ROOT, Document, ScalarType, SyncState
from plan_docs import add, plan_doc, texts

from tests.support.automerge_docs import add_item
from tests.support.wire_peer import WirePeer

# Every test here runs against a server on SQLite and one on PostgreSQL (conftest.py).
DATABASES = ("sqlite", "postgres")

if TYPE_CHECKING:
    from collections.abc import Iterable

    from conftest import ClientFactory, NodeClient, ServerHandle

UNAUTHENTICATED = 4401
SAFER = "safer"  # a section carers write (shared/plan-template.json)
STEPS = plan_doc(sections={"coping": ["call Sam"]})  # the person's plan, as the app writes it
WAIT_S = 15.0


@dataclass
class Plan:
    """A person, their connected client and their plan's main document (audience everyone)."""

    person: Account
    client: NodeClient
    id: str
    url: str
    doc_id: str


async def new_plan(
    server: ServerHandle, clients: ClientFactory, api: Api, doc: dict[str, Any] | None = None
) -> Plan:
    person = await api.account("Alice")
    client = await clients.new("alice", server.sync_url(person))
    created, plan = await api.new_plan(person, client, doc or STEPS)
    await client.server_ack(created["url"])
    return Plan(person, client, plan["id"], created["url"], created["documentId"])


def diary(text: str) -> dict[str, Any]:
    """The person's own document (audience person) with one item."""
    return plan_doc("person", {"reasons": [text]})


def notes(text: str) -> dict[str, Any]:
    """A carer's notes document with one item."""
    return plan_doc("carer", {"carer-notes": [text]})


async def add_document(
    api: Api,
    plan: Plan,
    audience: str,
    doc: dict[str, Any],
    by: tuple[Account, NodeClient] | None = None,
) -> tuple[str, str]:
    """Another document of the plan for `audience`: (url, documentId).

    Created and registered by the person, or `by` (account, client): a carer's own notes
    (audience `carer:<their id>`), which the person does not read.
    """
    account, client = by if by is not None else (plan.person, plan.client)
    created = await client.create(doc)
    await api.add_document(account, plan.id, created["documentId"], audience)
    await client.server_ack(created["url"])
    return created["url"], created["documentId"]


async def assert_nothing_stored(
    server: ServerHandle,
    api: Api,
    plan: Plan,
    doc_ids: Iterable[str],
    *,
    attackers: Iterable[Account] = (),
    hashes: Iterable[str] = (),
) -> None:
    """No change by `attackers` and none of `hashes` is stored, in the database or the API.

    As a control that the database is really being read, the person's own current heads
    of the plan's main document must be there.
    """
    attacker_ids = {a.id for a in attackers}
    bad_hashes = set(hashes)
    rows = [row for doc_id in doc_ids for row in stored_changes(server.database, doc_id)]
    main_rows = {r["hash"] for r in stored_changes(server.database, plan.doc_id)}
    own_heads = (await plan.client.state(plan.url))["heads"]
    assert set(own_heads) <= main_rows, (
        f"control failed: the person's heads {own_heads} are not in {server.database}"
    )
    stored_bad = [r for r in rows if r["account_id"] in attacker_ids or r["hash"] in bad_hashes]
    assert not stored_bad, f"the server stored refused changes: {stored_bad}"
    listed = await api.changes(plan.person, plan.id)
    listed_bad = [c for c in listed if c["userId"] in attacker_ids or c["hash"] in bad_hashes]
    assert not listed_bad, f"GET /api/plans/{plan.id}/changes lists refused changes: {listed_bad}"


async def assert_not_received(client: NodeClient, url: str, hashes: list[str]) -> None:
    has = await client.has_changes(url, hashes)
    leaked = [h for h, present in has.items() if present]
    assert not leaked, f"{client.name} received refused change(s) {leaked}"


async def assert_no_sync(client: NodeClient, doc_ids: Iterable[str]) -> None:
    """The server sent `client` no sync or ephemeral message about any of `doc_ids`."""
    for doc_id in doc_ids:
        sent = [
            m
            for m in await client.server_messages(document_id=doc_id)
            if m["type"] not in ("doc-unavailable",)
        ]
        assert not sent, f"the server sent {client.name} messages about {doc_id}: {sent}"


async def expect_unavailable(client: NodeClient, url: str) -> None:
    result = await client.find(url, timeout_ms=10_000)
    assert not result["found"], f"{client.name} found {url}: {result}"
    assert "unavailable" in result["error"], result


async def raw_refused(
    ws: websockets.ClientConnection, *messages: dict[str, Any]
) -> tuple[int | None, list[dict[str, Any]]]:
    """Send `messages` (ignoring a close under way), then read until the server closes."""
    seen: list[dict[str, Any]] = []
    with contextlib.suppress(websockets.ConnectionClosed):
        for message in messages:
            await ws.send(cbor2.dumps(message))
    try:
        while True:
            frame = await asyncio.wait_for(ws.recv(), WAIT_S)
            seen.append(cbor2.loads(frame) if isinstance(frame, bytes) else {"text": frame})
    except websockets.ConnectionClosed:
        pass
    except TimeoutError:
        raise AssertionError(f"the server did not close within {WAIT_S} s; sent {seen}") from None
    code = ws.protocol.close_rcvd.code if ws.protocol.close_rcvd else None
    return code, seen


def join(peer_id: str) -> dict[str, Any]:
    return {
        "type": "join",
        "senderId": peer_id,
        "peerMetadata": {"storageId": cbor2.undefined, "isEphemeral": True},
        "supportedProtocolVersions": ["1"],
    }


def request(peer_id: str, doc_id: str, data: bytes, kind: str = "request") -> dict[str, Any]:
    return {"type": kind, "senderId": peer_id, "targetId": "", "documentId": doc_id, "data": data}


def assert_refused_unauthenticated(code: int | None, seen: list[dict[str, Any]]) -> None:
    assert code == UNAUTHENTICATED, f"close code {code}, expected {UNAUTHENTICATED}; got {seen}"
    assert [m.get("type") for m in seen] == ["error"], (
        f"expected exactly one error message before the close, got {seen}"
    )


def empty_request() -> bytes:
    """A sync message from an empty document (what a client's `find` sends first)."""
    message = Document().generate_sync_message(SyncState())
    assert message is not None
    return bytes(message.encode())


def upload_attempt(doc_id: str) -> tuple[bytes, str]:
    """A sync message that carries a new change, and that change's hash (hex).

    The change goes out in the first message already: the sync state is told that the
    other side has nothing (as if the server had answered with an empty document).
    """
    doc = Document()
    with doc.transaction() as tx:
        tx.put(ROOT, "pwned", ScalarType.Str, doc_id)
    state = SyncState()
    doc.generate_sync_message(state)
    nothing = Document().generate_sync_message(SyncState())
    assert nothing is not None
    doc.receive_sync_message(state, nothing)
    message = doc.generate_sync_message(state)
    change = doc.get_last_local_change()
    assert message is not None
    assert change is not None
    return bytes(message.encode()), bytes(change.hash).hex()


# --------------------------------------------------------------------------- strangers


async def test_stranger_who_knows_the_url_gets_nothing(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api, plan_doc(sections={"coping": ["alice's plan"]}))
    mallory = await api.account("Mallory")
    reader = await clients.new("mallory-reader", server.sync_url(mallory))
    writer = await clients.new("mallory-writer", server.sync_url(mallory))

    # Reading: the id alone is worth nothing.
    await expect_unavailable(reader, plan.url)
    # Writing: Mallory makes a document of her own under Alice's id and uploads it.
    since = await writer.mark()
    forged = await writer.call("importAs", documentId=plan.doc_id, doc={"pwned": True})
    await writer.wait_refusal(plan.doc_id, since)

    # Barrier: a later change of Alice's reached the server, then a round trip on both of
    # Mallory's connections.
    after = await plan.client.change(plan.url, add("coping", "later"))
    await plan.client.server_ack(plan.url)
    await reader.barrier()
    await plan.client.barrier()

    await assert_no_sync(reader, [plan.doc_id])
    await assert_not_received(plan.client, plan.url, forged["heads"])
    state = await plan.client.state(plan.url)
    assert state["heads"] == after["heads"]
    assert texts(state["doc"], "coping") == ["alice's plan", "later"]
    assert await api.plans(mallory) == []
    for path in ("changes", "members", "contributors"):
        response = await api.raw("GET", f"/api/plans/{plan.id}/{path}", token=mallory.token)
        assert response.status_code == 404, f"{path} for a stranger: {response.status_code}"
    await assert_nothing_stored(
        server, api, plan, [plan.doc_id], attackers=[mallory], hashes=forged["heads"]
    )


# --------------------------------------------------------------------------- carers


async def test_carer_sees_nothing_before_accepting_and_their_audience_after(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api)
    carol = await api.account("Carol")
    dave = await api.account("Dave")
    await api.grant(plan.person, plan.id, dave, "carer")
    d = await clients.new("dave", server.sync_url(dave))
    person_url, person_id = await add_document(api, plan, "person", diary("private"))
    clin_url, clin_id = await add_document(
        api, plan, "clinicians", plan_doc("clinicians", {"advance-preferences": ["x"]})
    )
    dave_url, dave_id = await add_document(
        api, plan, f"carer:{dave.id}", notes("for Dave"), by=(dave, d)
    )
    invite = await api.invite(plan.person, plan.id, "carer")

    before = await clients.new("carol-before", server.sync_url(carol))
    for url in (plan.url, person_url, clin_url, dave_url):
        await expect_unavailable(before, url)
    await assert_no_sync(before, [plan.doc_id, person_id, clin_id, dave_id])
    assert await api.plans(carol) == []
    response = await api.raw("GET", f"/api/plans/{plan.id}/members", token=carol.token)
    assert response.status_code == 404, response.text

    assert await api.accept(carol, invite["code"]) == {"planId": plan.id, "role": "carer"}
    assert [(p["id"], p["role"]) for p in await api.plans(carol)] == [(plan.id, "carer")]

    after = await clients.new("carol-after", server.sync_url(carol))
    found = await after.find(plan.url)
    assert found["found"], found
    assert texts(found["doc"], "coping") == ["call Sam"]
    # Her own notes: written on her phone, registered by her, readable on her other device.
    phone = await clients.new("carol-phone", server.sync_url(carol))
    carol_url, carol_id = await add_document(
        api, plan, f"carer:{carol.id}", notes("for Carol"), by=(carol, phone)
    )
    own = await after.find(carol_url)
    assert own["found"], own
    assert texts(own["doc"], "carer-notes") == ["for Carol"]
    for url in (person_url, clin_url, dave_url):
        await expect_unavailable(after, url)
    # A carer's notes are theirs (and clinicians'): not the other carer's, not the person's.
    await expect_unavailable(d, carol_url)
    await after.barrier()
    await assert_no_sync(after, [person_id, clin_id, dave_id])
    await assert_no_sync(before, [person_id, clin_id, dave_id])
    await assert_no_sync(d, [carol_id])
    # Carol wrote only her own notes.
    await assert_nothing_stored(
        server, api, plan, [plan.doc_id, person_id, clin_id, dave_id], attackers=[carol]
    )
    assert {r["account_id"] for r in stored_changes(server.database, carol_id)} == {carol.id}


async def test_carer_never_receives_the_person_only_document(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api)
    carol = await api.account("Carol")
    await api.grant(plan.person, plan.id, carol, "carer")
    private_url, private_id = await add_document(api, plan, "person", diary("day 1"))

    c = await clients.new("carol", server.sync_url(carol))
    assert (await c.find(plan.url))["found"]
    await expect_unavailable(c, private_url)

    # While Carol is connected, Alice edits and broadcasts on the private document.
    edit = await plan.client.change(private_url, add("reasons", "2"))
    await plan.client.server_ack(private_url)
    await plan.client.call("broadcast", url=private_url, message={"typing": True})
    # Carol writes into it with a document of her own under its id.
    writer = await clients.new("carol-writer", server.sync_url(carol))
    since = await writer.mark()
    forged = await writer.call("importAs", documentId=private_id, doc={"diary": ["fake"]})
    await writer.wait_refusal(private_id, since)

    # Barrier: a change to the shared document reaches Carol after all that.
    shared = await plan.client.change(plan.url, add("coping", "b"))
    await c.wait_heads(plan.url, shared["heads"])
    await c.barrier()
    await plan.client.barrier()

    await assert_no_sync(c, [private_id])
    raw = (await c.call("ephemeral", url=private_url))["raw"]
    assert raw == [], f"Carol received ephemeral messages of the private document: {raw}"
    await assert_not_received(plan.client, private_url, forged["heads"])
    state = await plan.client.state(private_url)
    assert state["heads"] == edit["heads"]
    assert texts(state["doc"], "reasons") == ["day 1", "2"]
    await assert_nothing_stored(
        server, api, plan, [plan.doc_id, private_id], attackers=[carol], hashes=forged["heads"]
    )


async def test_change_log_hides_documents_outside_the_audience(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    """The change log is metadata of the documents; a carer sees that of their audience."""
    plan = await new_plan(server, clients, api)
    carol = await api.account("Carol")
    await api.grant(plan.person, plan.id, carol, "carer")
    _, private_id = await add_document(api, plan, "person", diary("day 1"))

    mine = {c["documentId"] for c in await api.changes(plan.person, plan.id)}
    assert mine == {plan.doc_id, private_id}, mine
    theirs = {c["documentId"] for c in await api.changes(carol, plan.id)}
    assert theirs == {plan.doc_id}, f"the carer's change log shows other documents: {theirs}"
    await assert_nothing_stored(server, api, plan, [plan.doc_id, private_id], attackers=[carol])


async def test_revoked_carer_connected_at_revocation_receives_no_later_change(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    # Dave writes too: into sections.safer, which the plan template lets carers write.
    plan = await new_plan(server, clients, api, plan_doc(sections={SAFER: ["start"]}))
    carol = await api.account("Carol")
    dave = await api.account("Dave")
    await api.grant(plan.person, plan.id, carol, "carer")
    await api.grant(plan.person, plan.id, dave, "carer")
    c = await clients.new("carol", server.sync_url(carol))
    d = await clients.new("dave", server.sync_url(dave))
    assert (await c.find(plan.url))["found"]
    assert (await d.find(plan.url))["found"]
    # Control: before the revocation Carol does receive Alice's changes.
    first = await plan.client.change(plan.url, add(SAFER, "1"))
    await c.wait_heads(plan.url, first["heads"])

    await api.remove_member(plan.person, plan.id, carol.id)
    since = await c.mark()
    later = await plan.client.change(plan.url, add(SAFER, "2"))
    await d.wait_heads(plan.url, later["heads"])
    # Carol, still connected, writes after her revocation.
    carols = await c.change(plan.url, add(SAFER, "carol"))
    carol_hash = [h for h in carols["heads"] if h not in later["heads"]]
    await c.wait_refusal(plan.doc_id, since)
    # Barrier: a change by Dave (still a carer) reaches Alice after Carol's attempt.
    dave_edit = await d.change(plan.url, add(SAFER, "dave"))
    await plan.client.wait_heads(plan.url, dave_edit["heads"])
    await d.wait_heads(plan.url, dave_edit["heads"])
    await plan.client.barrier()
    await c.barrier()

    await assert_not_received(c, plan.url, later["heads"] + dave_edit["heads"])
    await assert_not_received(plan.client, plan.url, carol_hash)
    await assert_not_received(d, plan.url, carol_hash)
    final = (await plan.client.state(plan.url))["doc"]
    assert texts(final, SAFER) == ["start", "1", "2", "dave"]
    members = {m["userId"] for m in await api.members(plan.person, plan.id)}
    assert carol.id not in members, members
    response = await api.raw("GET", f"/api/plans/{plan.id}/members", token=carol.token)
    assert response.status_code == 404, response.text
    await assert_nothing_stored(server, api, plan, [plan.doc_id], hashes=carol_hash)


# --------------------------------------------------------------------------- forged writes


async def alice_actor(api: Api, plan: Plan, client: NodeClient) -> str:
    """An actor id the server has bound to the person (from the contributors endpoint)."""
    contributors = await api.contributors(plan.person, plan.id)
    actors = [c["actorId"] for c in contributors if c["userId"] == plan.person.id]
    assert actors, f"no actor bound to the person: {contributors}"
    in_doc = (await client.call("actors", url=plan.url))["actors"]
    assert actors[0] in in_doc, f"bound actor {actors[0]} is not in the document {in_doc}"
    return str(actors[0])


async def test_forged_actor_change_is_refused(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api)
    carol = await api.account("Carol")
    dave = await api.account("Dave")
    await api.grant(plan.person, plan.id, carol, "carer")
    await api.grant(plan.person, plan.id, dave, "carer")
    c = await clients.new("carol", server.sync_url(carol))
    d = await clients.new("dave", server.sync_url(dave))
    assert (await c.find(plan.url))["found"]
    assert (await d.find(plan.url))["found"]
    actor = await alice_actor(api, plan, c)

    # Carol may write this document, but not as Alice: she loads Alice's bytes with
    # Alice's actor id, edits, and her Repo uploads the change.
    since = await c.mark()
    forged = await c.call(
        "forge",
        url=plan.url,
        actor=actor,
        ops=[add("coping", "do nothing")],  # plan-shaped: only the actor is wrong
    )
    assert forged["actor"] == actor
    refusal = await c.wait_refusal(plan.doc_id, since)
    assert any(m["type"] == "error" for m in refusal["messages"]), (
        f"a forged change must be answered with an error message: {refusal}"
    )
    await c.wait_close(count=since["closes"] + 1)

    # Barrier: a legitimate change after the refusal went through Alice -> server -> Dave.
    legit = await plan.client.change(plan.url, add("coping", "b"))
    await d.wait_heads(plan.url, legit["heads"])
    await plan.client.barrier()
    await d.barrier()
    for other in (plan.client, d):
        await assert_not_received(other, plan.url, [forged["hash"]])
    assert texts((await d.state(plan.url))["doc"], "coping") == ["call Sam", "b"]
    bound = {(x["actorId"], x["userId"]) for x in await api.contributors(plan.person, plan.id)}
    assert (actor, carol.id) not in bound, bound
    await assert_nothing_stored(server, api, plan, [plan.doc_id], hashes=[forged["hash"]])
    rows = stored_changes(server.database, plan.doc_id)
    assert all(r["account_id"] == plan.person.id for r in rows if r["actor"] == actor), rows


async def test_forged_actor_change_over_raw_socket_is_refused(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api)
    carol = await api.account("Carol")
    await api.grant(plan.person, plan.id, carol, "carer")
    watcher = await clients.new("alice-2", server.sync_url(plan.person))
    assert (await watcher.find(plan.url))["found"]
    actor = await alice_actor(api, plan, watcher)
    heads = [bytes.fromhex(h) for h in (await plan.client.state(plan.url))["heads"]]

    peer = await WirePeer.connect(server.sync_url(carol))
    try:
        assert peer.server_id, "no peer message for a valid token"
        await peer.receive_until(
            plan.doc_id, lambda d: set(heads) <= set(d.get_heads()), request=True
        )
        doc = peer.doc(plan.doc_id)
        doc.set_actor(bytes.fromhex(actor))
        add_item(doc, "coping", "by Carol as Alice")
        change = doc.get_last_local_change()
        assert change is not None
        forged_hash = bytes(change.hash).hex()
        message = doc.generate_sync_message(peer.states[plan.doc_id])
        assert message is not None
        code, seen = await raw_refused(
            peer.ws, request(peer.peer_id, plan.doc_id, bytes(message.encode()), "sync")
        )
    finally:
        await peer.close()
    assert any(m.get("type") == "error" for m in seen), f"no error message: {seen}"
    assert code is not None, "the connection was not closed by the server"

    legit = await plan.client.change(plan.url, add("coping", "later"))
    await watcher.wait_heads(plan.url, legit["heads"])
    await watcher.barrier()
    await assert_not_received(watcher, plan.url, [forged_hash])
    await assert_not_received(plan.client, plan.url, [forged_hash])
    await assert_nothing_stored(server, api, plan, [plan.doc_id], hashes=[forged_hash])


async def test_viewer_change_is_refused(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api)
    vic = await api.account("Vic")
    await api.grant(plan.person, plan.id, vic, "viewer")
    v = await clients.new("vic", server.sync_url(vic))
    found = await v.find(plan.url)
    assert found["found"], f"a viewer must read the everyone document: {found}"
    assert texts(found["doc"], "coping") == ["call Sam"]

    since = await v.mark()
    attempt = await v.change(plan.url, add("coping", "nothing"))
    refusal = await v.wait_refusal(plan.doc_id, since)
    assert any(m["type"] == "error" for m in refusal["messages"]), (
        f"a viewer's change must be answered with an error message: {refusal}"
    )
    await v.wait_close(count=since["closes"] + 1)
    viewer_hashes = [h for h in attempt["heads"] if h not in found["heads"]]
    assert viewer_hashes, attempt

    legit = await plan.client.change(plan.url, add("coping", "b"))
    await plan.client.server_ack(plan.url)
    await plan.client.barrier()
    await assert_not_received(plan.client, plan.url, viewer_hashes)
    assert (await plan.client.state(plan.url))["heads"] == legit["heads"]
    await assert_nothing_stored(
        server, api, plan, [plan.doc_id], attackers=[vic], hashes=viewer_hashes
    )


# --------------------------------------------------------------------------- credentials


async def test_revoked_token_fails_and_its_open_connection_is_closed(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api, plan_doc(sections={"coping": []}))
    phone = await api.new_token(plan.person, "phone")
    # Reconnect quickly, so that the attempts after the revocation happen within the test.
    p = await clients.new("alice-phone")
    await p.call("connect", url=server.sync_url(plan.person, phone["token"]), retryMs=300)
    assert (await p.find(plan.url))["found"]
    assert (await api.me(phone["token"])).status_code == 200

    since = await p.mark()
    await api.revoke_token(plan.person, phone["id"])
    await p.wait_close(count=since["closes"] + 1)
    # Edits made on the phone now stay on the phone; Alice's other device goes on.
    offline = await p.change(plan.url, add("coping", "phone"))
    later = await plan.client.change(plan.url, add("coping", "desk"))
    await plan.client.server_ack(plan.url)
    # The phone's reconnection is refused: an error, then close 4401.
    closes = await p.wait_close(count=since["closes"] + 2)
    assert closes[-1]["code"] == UNAUTHENTICATED, closes
    assert await p.server_messages("error"), "no error message before the 4401 close"
    assert (await api.me(phone["token"])).status_code == 401

    phone_hashes = list(offline["heads"])
    await plan.client.barrier()
    await assert_not_received(p, plan.url, later["heads"])
    await assert_not_received(plan.client, plan.url, phone_hashes)
    await assert_nothing_stored(server, api, plan, [plan.doc_id], hashes=phone_hashes)

    # A new connection with the revoked token: error + 4401, and the Node client survives.
    fresh = await clients.new("alice-revoked")
    await fresh.call("connect", url=server.sync_url(plan.person, phone["token"]), waitPeer=False)
    closes = await fresh.wait_close()
    assert closes[0]["code"] == UNAUTHENTICATED, closes
    assert [m["type"] for m in await fresh.server_messages()] == ["error"]
    assert not fresh.uncaught_errors(), fresh.uncaught_errors()


async def test_expired_token_fails(server: ServerHandle, clients: ClientFactory, api: Api) -> None:
    plan = await new_plan(server, clients, api, plan_doc(sections={"coping": []}))
    token = await api.new_token(plan.person, "short-lived", expires_in_days=1)
    assert (await api.me(token["token"])).status_code == 200

    # A day passing, without waiting for it: with the server stopped, move the token's
    # expiry into the past (the only write to the server's database in this suite).
    assert await server.kill() == 0
    updated = update(
        server.database,
        "UPDATE tokens SET expires_at_ms = ? WHERE id = ?",
        (int(time.time() * 1000) - 60_000, token["id"]),
    )
    assert updated == 1, "token row not found"
    await server.restart()

    assert (await api.me(token["token"])).status_code == 401
    assert (await api.me(plan.person.token)).status_code == 200  # control
    client = await clients.new("alice-expired")
    offline = await client.create({"x": 1})
    await client.call("connect", url=server.sync_url(plan.person, token["token"]), waitPeer=False)
    closes = await client.wait_close()
    assert closes[0]["code"] == UNAUTHENTICATED, closes
    assert [m["type"] for m in await client.server_messages()] == ["error"]
    assert stored_changes(server.database, offline["documentId"]) == []

    async with websockets.connect(server.sync_url(plan.person, token["token"])) as ws:
        code, seen = await raw_refused(
            ws, join("expired-raw"), request("expired-raw", plan.doc_id, empty_request())
        )
    assert_refused_unauthenticated(code, seen)
    control = await clients.new("alice-control", server.sync_url(plan.person))
    assert (await control.find(plan.url))["found"]
    await assert_nothing_stored(server, api, plan, [plan.doc_id])


async def test_cookie_upgrade_from_another_origin_fails(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    plan = await new_plan(server, clients, api)
    cookie = f"{SESSION_COOKIE}={plan.person.session}"
    attempt, attempt_hash = upload_attempt(plan.doc_id)

    for origin in ("http://evil.example", None):
        headers = {"Cookie": cookie}
        if origin is not None:
            headers["Origin"] = origin
        async with websockets.connect(server.url, additional_headers=headers) as ws:
            code, seen = await raw_refused(
                ws,
                join("evil-page"),
                request("evil-page", plan.doc_id, empty_request()),
                request("evil-page", plan.doc_id, attempt, "sync"),
            )
        assert_refused_unauthenticated(code, seen)

    # The same cookie-authenticated request from another origin fails over HTTP too.
    response = await api.raw(
        "POST",
        "/api/plans",
        session=plan.person.session,
        origin="http://evil.example",
        json={"documentId": (await plan.client.create({}))["documentId"], "title": "evil"},
    )
    assert response.status_code == 403, response.text
    assert [p["id"] for p in await api.plans(plan.person)] == [plan.id]

    # Control: the same cookie from the server's own origin is accepted and served.
    async with websockets.connect(
        server.url, additional_headers={"Cookie": cookie, "Origin": server.base_url}
    ) as ws:
        await ws.send(cbor2.dumps(join("own-page")))
        reply = cbor2.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
        assert reply["type"] == "peer", reply
        await ws.send(cbor2.dumps(request("own-page", plan.doc_id, empty_request())))
        served = cbor2.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
        assert (served["type"], served["documentId"]) == ("sync", plan.doc_id), served

    await plan.client.barrier()
    await assert_not_received(plan.client, plan.url, [attempt_hash])
    assert texts((await plan.client.state(plan.url))["doc"], "coping") == ["call Sam"]
    await assert_nothing_stored(server, api, plan, [plan.doc_id], hashes=[attempt_hash])


@pytest.mark.parametrize("token", [None, "", "spt_not-a-real-token"], ids=["none", "empty", "bad"])
async def test_no_credential_fails_and_node_client_survives(
    server: ServerHandle, clients: ClientFactory, api: Api, token: str | None
) -> None:
    plan = await new_plan(server, clients, api)
    url = server.url if token is None else f"{server.url}?token={token}"

    n = await clients.new("anonymous")
    created = await n.create({"anonymous": True})
    await n.call("connect", url=url, waitPeer=False)
    closes = await n.wait_close()
    assert closes[0]["code"] == UNAUTHENTICATED, closes
    assert [m["type"] for m in await n.server_messages()] == ["error"]
    # Still alive and answering, no uncaught exception (the fixture checks that too).
    assert (await n.call("handleState", url=created["url"]))["state"] == "ready"
    assert not n.uncaught_errors(), n.uncaught_errors()
    assert not [e for e in n.events if e.get("event") == "peer"], n.events

    # Raw: no join first, straight to a request and an upload for Alice's document.
    attempt, attempt_hash = upload_attempt(plan.doc_id)
    async with websockets.connect(url) as ws:
        code, seen = await raw_refused(
            ws,
            request("anon-raw", plan.doc_id, empty_request()),
            join("anon-raw"),
            request("anon-raw", plan.doc_id, attempt, "sync"),
        )
    assert_refused_unauthenticated(code, seen)
    await plan.client.barrier()
    await assert_not_received(plan.client, plan.url, [attempt_hash])
    assert stored_changes(server.database, created["documentId"]) == []
    await assert_nothing_stored(
        server, api, plan, [plan.doc_id, created["documentId"]], hashes=[attempt_hash]
    )
    assert (await api.raw("GET", "/api/plans")).status_code == 401
