"""Two servers on one PostgreSQL database, in this process: each hears the other's commits.

The same with real processes and the official client: tests/interop/test_two_server_processes.py.
Here: raw protocol peers (tests/support/wire_peer.py), so each step can be watched.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from automerge.core import Document, Message

from server.plans.access import PlanPolicy
from server.settings import Settings
from server.storage.postgres import PostgresDocumentStore
from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import new_document_id, put, read
from tests.support.live_server import LiveServer, live_server
from tests.support.plan_circle import create_plan, fetch, join, new_plan_document, upload
from tests.support.wire_peer import WirePeer

WAIT_S = 10.0


@pytest.fixture
async def two(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    async with AsyncExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            settings = Settings(
                data_dir=tmp_path / name, database_url=postgres_url, snapshot_every=5
            )
            servers.append(await stack.enter_async_context(live_server(settings)))
        yield servers[0], servers[1]


@pytest.fixture
async def two_with_accounts(
    postgres_url: str, tmp_path: Path
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    async with AsyncExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            settings = Settings(data_dir=tmp_path / name, database_url=postgres_url)
            servers.append(
                await stack.enter_async_context(live_server(settings, open_access=False))
            )
        yield servers[0], servers[1]


def holds(key: str, value: str) -> Callable[[Document], bool]:
    return lambda doc: read(doc, key) == value


async def test_a_change_through_one_reaches_a_subscriber_of_the_other(
    two: tuple[LiveServer, LiveServer], postgres_url: str
) -> None:
    a, b = two
    doc_id = new_document_id()
    writer = await WirePeer.connect(a.url)
    reader = await WirePeer.connect(b.url)
    put(writer.doc(doc_id), "first", "one")
    await writer.sync(doc_id)
    await reader.receive_until(doc_id, holds("first", "one"), request=True)

    for n in range(12):  # past snapshot_every on both: snapshots with two writers
        put(writer.doc(doc_id), f"k{n}", f"v{n}")
        await writer.sync(doc_id)
        async with asyncio.timeout(WAIT_S):
            await reader.receive_until(doc_id, holds(f"k{n}", f"v{n}"))
    await writer.close()
    await reader.close()

    store = await PostgresDocumentStore.open(postgres_url)
    try:
        stored = await store.load(doc_id)
    finally:
        await store.close()
    assert stored is not None
    loaded = Document.load(stored.data)
    assert [read(loaded, f"k{n}") for n in range(12)] == [f"v{n}" for n in range(12)]


async def test_concurrent_writers_through_both_converge(
    two: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two
    doc_id = new_document_id()
    on_a = await WirePeer.connect(a.url)
    on_b = await WirePeer.connect(b.url)
    put(on_a.doc(doc_id), "start", "yes")
    await on_a.sync(doc_id)
    await on_b.receive_until(doc_id, holds("start", "yes"), request=True)

    def everything(doc: Document) -> bool:
        return all(read(doc, f"{t}{n}") == t for t in "ab" for n in range(10))

    async def write_and_converge(peer: WirePeer, tag: str) -> None:
        doc, state = peer.doc(doc_id), peer.states[doc_id]
        for n in range(10):  # each change sent at once, replies or not
            put(doc, f"{tag}{n}", tag)
            outgoing = doc.generate_sync_message(state)
            if outgoing is not None:
                await peer.send_sync(doc_id, bytes(outgoing.encode()))
        while not everything(doc):
            message = await peer.recv_for(doc_id)
            doc.receive_sync_message(state, Message.decode(message["data"]))
            outgoing = doc.generate_sync_message(state)
            if outgoing is not None:
                await peer.send_sync(doc_id, bytes(outgoing.encode()))

    async with asyncio.timeout(WAIT_S):
        await asyncio.gather(write_and_converge(on_a, "a"), write_and_converge(on_b, "b"))
    assert sorted(on_a.doc(doc_id).get_heads()) == sorted(on_b.doc(doc_id).get_heads())
    await on_a.close()
    await on_b.close()


async def test_both_report_the_database_and_the_feed_in_health(
    two: tuple[LiveServer, LiveServer],
) -> None:
    for server in two:
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            health = await http.get("/api/health")
        assert health.json() == {"status": "ok", "database": "postgresql", "feed": "listening"}


REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")  # a sync request holding nothing


async def test_a_plan_deleted_through_one_is_refused_on_the_other_which_then_forgets_it(
    two_with_accounts: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_with_accounts
    person = await ApiUser.sign_up(a.base_url, "person")
    carer = await ApiUser.sign_up(a.base_url, "carer")
    plan = await create_plan(person)
    await join(person, carer, plan["id"], "carer")
    shared = plan["documentId"]
    phone = await WirePeer.connect(person.sync_url(a.url), "person-phone")
    await upload(phone, shared, new_plan_document("everyone"))
    carer_phone = await WirePeer.connect(carer.sync_url(b.url), "carer-phone")
    await fetch(carer_phone, shared)
    policy = b.hub.policy
    assert isinstance(policy, PlanPolicy)

    response = await person.call("DELETE", "/api/accounts/me", json={"password": PASSWORD})
    assert response.status_code == 204

    async with asyncio.timeout(WAIT_S):  # B heard it: its socket is told, and stays open
        notice = await carer_phone.recv()
    assert (notice["type"], notice["reason"], notice["documentId"]) == (
        "error",
        "document-deleted",
        shared,
    )
    assert policy.deletions_elsewhere == 1  # remembered before the hub was told
    await carer_phone.send_sync(shared, REQUEST_PAYLOAD, "request")
    after = await carer_phone.recv()
    assert (after["type"], after["documentId"]) == ("doc-unavailable", shared)
    # The refusal looked the document up: the erasure has committed, so B forgot the id.
    assert policy.deletions_elsewhere == 0
    assert await policy.document(shared) is None
    await phone.close()
    await carer_phone.close()
    await person.close()
    await carer.close()
