"""One contract suite for every DocumentStore adapter (SQLite, PostgreSQL, the in-memory fake)."""

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import closing
from pathlib import Path
from typing import Any, Protocol

import msgspec
import pytest
from automerge.core import Document

from server.errors import StorageError
from server.storage.memory import MemoryDocumentStore
from server.storage.postgres import PostgresDatabase, PostgresDocumentStore
from server.storage.protocol import ActorTaken, DocumentStore
from server.storage.sqlite import SqliteDatabase, SqliteDocumentStore
from tests.support.automerge_docs import document_with, new_document_id, put, read, records_of


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    opened: DocumentStore
    if request.param == "memory":
        opened = MemoryDocumentStore()
    elif request.param == "sqlite":
        opened = await SqliteDocumentStore.open(tmp_path / "plans.db")
    else:
        opened = await PostgresDocumentStore.open(request.getfixturevalue("postgres_url"))
    yield opened
    await opened.close()


class Database(Protocol):
    async def write(self, write: Callable[[Any], Awaitable[None]]) -> int: ...


OpenDurable = Callable[[], Awaitable[tuple[DocumentStore, Database]]]


@pytest.fixture(params=["sqlite", "postgres"])
def open_durable(request: pytest.FixtureRequest, tmp_path: Path) -> OpenDurable:
    """Opens a store of the adapter on the same database each time, with its database."""

    async def open_store() -> tuple[DocumentStore, Database]:
        if request.param == "sqlite":
            sqlite = await SqliteDatabase.open(tmp_path / "plans.db")
            return SqliteDocumentStore(sqlite, owns_database=True), sqlite
        postgres = await PostgresDatabase.open(request.getfixturevalue("postgres_url"))
        return PostgresDocumentStore(postgres, owns_database=True), postgres

    return open_store


async def test_an_unknown_document_loads_as_none(store: DocumentStore) -> None:
    assert await store.load(new_document_id()) is None


async def test_appended_changes_load_back_as_the_same_document(store: DocumentStore) -> None:
    doc_id = new_document_id()
    doc = document_with({"name": "Sam", "reason": "my dog"})

    await store.append_changes(doc_id, records_of(doc))
    stored = await store.load(doc_id)

    assert stored is not None
    loaded = Document.load(stored.data)
    assert loaded.get_heads() == doc.get_heads()
    assert read(loaded, "reason") == "my dog"


async def test_documents_are_kept_apart(store: DocumentStore) -> None:
    a, b = new_document_id(), new_document_id()
    await store.append_changes(a, records_of(document_with({"who": "a"})))
    await store.append_changes(b, records_of(document_with({"who": "b"})))

    for doc_id, who in ((a, "a"), (b, "b")):
        stored = await store.load(doc_id)
        assert stored is not None
        assert read(Document.load(stored.data), "who") == who


async def test_a_change_logged_twice_is_kept_once(store: DocumentStore) -> None:
    doc_id = new_document_id()
    records = records_of(document_with({"x": "1"}))

    await store.append_changes(doc_id, records)
    await store.append_changes(doc_id, records)

    assert len(await store.list_changes(doc_id)) == len(records)


async def test_log_positions_grow_with_each_append(store: DocumentStore) -> None:
    doc_id = new_document_id()
    doc = document_with({"x": "1"})
    first = await store.append_changes(doc_id, records_of(doc))
    heads = doc.get_heads()
    put(doc, "x", "2")

    second = await store.append_changes(doc_id, records_of(doc, heads))

    assert second > first


async def test_concurrent_appends_are_all_durable(store: DocumentStore) -> None:
    docs = {new_document_id(): document_with({"n": str(i)}) for i in range(20)}

    await asyncio.gather(*(store.append_changes(i, records_of(d)) for i, d in docs.items()))

    for doc_id, doc in docs.items():
        stored = await store.load(doc_id)
        assert stored is not None
        assert Document.load(stored.data).get_heads() == doc.get_heads()


async def test_a_snapshot_compacts_without_losing_history(store: DocumentStore) -> None:
    doc_id = new_document_id()
    doc = document_with({"a": "1", "b": "2"})
    position = await store.append_changes(doc_id, records_of(doc))
    logged_before = await store.list_changes(doc_id)

    await store.save_snapshot(doc_id, bytes(doc.save()), position)
    heads = doc.get_heads()
    put(doc, "c", "3")
    await store.append_changes(doc_id, records_of(doc, heads))
    stored = await store.load(doc_id)

    assert stored is not None
    loaded = Document.load(stored.data)
    assert loaded.get_heads() == doc.get_heads()
    assert [read(loaded, k) for k in "abc"] == ["1", "2", "3"]
    # Every change keeps its row (who, when) after compaction, in log order.
    logged_after = await store.list_changes(doc_id)
    assert logged_after[: len(logged_before)] == logged_before
    assert len(logged_after) == len(logged_before) + 1
    assert {c.hash for c in logged_after} == {bytes(c.hash) for c in doc.get_changes([])}


async def test_an_older_snapshot_never_replaces_a_newer_one(store: DocumentStore) -> None:
    doc_id = new_document_id()
    doc = document_with({"a": "1"})
    old_position = await store.append_changes(doc_id, records_of(doc))
    old_snapshot = bytes(doc.save())
    heads = doc.get_heads()
    put(doc, "a", "2")
    new_position = await store.append_changes(doc_id, records_of(doc, heads))

    await store.save_snapshot(doc_id, bytes(doc.save()), new_position)
    await store.save_snapshot(doc_id, old_snapshot, old_position)
    stored = await store.load(doc_id)

    assert stored is not None
    assert read(Document.load(stored.data), "a") == "2"


async def test_load_reports_a_position_covering_what_it_returned(store: DocumentStore) -> None:
    doc_id = new_document_id()
    position = await store.append_changes(doc_id, records_of(document_with({"a": "1"})))

    stored = await store.load(doc_id)

    assert stored is not None
    assert stored.log_position >= position


async def test_logged_changes_keep_their_attribution(store: DocumentStore) -> None:
    doc_id = new_document_id()
    doc = document_with({"a": "1"}, actor=b"\x01" * 16)

    await store.append_changes(doc_id, records_of(doc))
    [logged] = await store.list_changes(doc_id)

    assert logged.actor == b"\x01" * 16
    assert logged.seq == 1
    assert logged.peer_id == "peer-test"
    assert logged.received_at_ms == 1


async def test_meta_values_round_trip(store: DocumentStore) -> None:
    assert await store.get_meta("storage_id") is None

    await store.set_meta("storage_id", "abc")
    await store.set_meta("storage_id", "def")

    assert await store.get_meta("storage_id") == "def"


async def test_a_durable_store_keeps_everything_across_a_reopen(
    open_durable: OpenDurable,
) -> None:
    doc_id = new_document_id()
    doc = document_with({"a": "1"})
    first, _ = await open_durable()
    await first.append_changes(doc_id, records_of(doc))
    await first.close()

    second, _ = await open_durable()
    try:
        stored = await second.load(doc_id)
    finally:
        await second.close()

    assert stored is not None
    assert Document.load(stored.data).get_heads() == doc.get_heads()


async def test_an_actor_stays_bound_to_the_first_account_that_sent_it(
    store: DocumentStore,
) -> None:
    doc_id = new_document_id()
    doc = document_with({"a": "1"}, actor=b"\x05" * 16)
    [first] = records_of(doc)
    heads = doc.get_heads()
    put(doc, "a", "2")
    [second] = records_of(doc, heads)

    await store.append_changes(doc_id, [msgspec.structs.replace(first, account_id="alice")])
    mallory = [msgspec.structs.replace(second, account_id="mallory")]
    if isinstance(store, PostgresDocumentStore):
        # Shared by several processes: the database decides, and refuses the change.
        with pytest.raises(ActorTaken) as taken:
            await store.append_changes(doc_id, mallory)
        assert taken.value.owners == {b"\x05" * 16: "alice"}
        stored_by = ["alice"]
    else:  # one process: its hub refused such changes before (ActorBindings)
        await store.append_changes(doc_id, mallory)
        stored_by = ["alice", "mallory"]

    assert await store.actor_bindings() == {b"\x05" * 16: "alice"}
    assert [c.account_id for c in await store.list_changes(doc_id)] == stored_by


async def test_a_batch_with_one_bad_write_still_commits_the_others(
    open_durable: OpenDurable,
) -> None:
    store, _ = await open_durable()
    good, bad = new_document_id(), new_document_id()
    records = records_of(document_with({"a": "1"}))
    broken = [msgspec.structs.replace(records[0], seq="not a number")]  # type: ignore[arg-type]

    results = await asyncio.gather(
        store.append_changes(good, records),
        store.append_changes(bad, broken),
        return_exceptions=True,
    )
    stored = await store.load(good)
    await store.close()

    assert isinstance(results[0], int)
    assert isinstance(results[1], Exception)
    assert stored is not None


class NativePanic(BaseException):
    """What a Rust panic looks like from Python (pyo3's PanicException is a BaseException)."""


@pytest.mark.parametrize("raised", [ValueError("a bug"), NativePanic("a panic")])
async def test_a_write_that_raises_anything_fails_alone_and_the_committer_carries_on(
    open_durable: OpenDurable, raised: BaseException
) -> None:
    store, db = await open_durable()
    doc_id = new_document_id()
    records = records_of(document_with({"a": "1"}))

    async def failing(_: object) -> None:
        raise raised

    results = await asyncio.gather(
        db.write(failing), store.append_changes(doc_id, records), return_exceptions=True
    )
    later = await store.append_changes(doc_id, records_of(document_with({"b": "2"})))
    stored = await store.load(doc_id)
    await store.close()

    assert isinstance(results[0], StorageError)
    assert isinstance(results[1], int)
    assert later >= results[1]
    assert stored is not None


async def test_each_change_keeps_its_own_origin(store: DocumentStore) -> None:
    """The same actor through other peers, accounts and roles (or none) stays told apart."""
    doc_id, other = new_document_id(), new_document_id()
    [first] = records_of(document_with({"a": "1"}, actor=b"\x07" * 16))
    origins = [
        ("phone", "alice", "person"),
        ("laptop", "alice", "person"),
        ("phone", "alice", "carer"),
        ("phone", "bob", "person"),
        (None, None, None),
        ("phone", None, None),
    ]
    # One actor id belongs to one account (PostgreSQL's store refuses a second): bob signs
    # with his own.
    records = [
        msgspec.structs.replace(
            first,
            hash=bytes([n]) * 32,
            actor=b"\x08" * 16 if a == "bob" else first.actor,
            seq=n + 1,
            peer_id=p,
            account_id=a,
            role=r,
        )
        for n, (p, a, r) in enumerate(origins)
    ]

    await store.append_changes(doc_id, records)
    await store.append_changes(other, list(reversed(records)))

    for document, expected in ((doc_id, origins), (other, origins[::-1])):
        logged = await store.list_changes(document)
        assert [(c.peer_id, c.account_id, c.role) for c in logged] == expected
        assert {c.actor for c in logged} == {b"\x07" * 16, b"\x08" * 16}
    assert [c.seq for c in await store.list_changes(other)] == [6, 5, 4, 3, 2, 1]


async def test_hundreds_of_appends_in_one_commit_keep_every_change_once_in_order(
    store: DocumentStore,
) -> None:
    """Many callers' rows in one batch (SQLite writes them as multi-row statements)."""
    [first] = records_of(document_with({"a": "1"}, actor=b"\x09" * 16))
    docs = [new_document_id() for _ in range(3)]
    batches = {
        doc_id: [
            msgspec.structs.replace(
                first, hash=d.to_bytes(1) + n.to_bytes(31), seq=n + 1, peer_id=f"peer-{n % 7}"
            )
            for n in range(300 + d)
        ]
        for d, doc_id in enumerate(docs)
    }
    appends = [store.append_changes(doc_id, [r]) for doc_id, rs in batches.items() for r in rs]
    again = [store.append_changes(docs[0], batches[docs[0]][:50])]  # the same changes again

    await asyncio.gather(*appends, *again)

    for doc_id, records in batches.items():
        logged = await store.list_changes(doc_id)
        assert [(c.hash, c.seq, c.peer_id) for c in logged] == [
            (r.hash, r.seq, r.peer_id) for r in records
        ]


async def test_a_change_logged_again_after_compaction_stays_compacted(
    store: DocumentStore,
) -> None:
    doc_id = new_document_id()
    doc = document_with({"a": "1"})
    position = await store.append_changes(doc_id, records_of(doc))
    snapshot = bytes(doc.save())
    await store.save_snapshot(doc_id, snapshot, position)

    await store.append_changes(doc_id, records_of(doc))
    stored = await store.load(doc_id)

    assert stored is not None
    assert stored.data == snapshot
    assert len(await store.list_changes(doc_id)) == len(records_of(doc))


def file_bytes(*paths: Path) -> int:
    return sum(p.stat().st_size for p in paths if p.exists())


async def test_sqlite_gives_back_what_compaction_freed_when_it_closes(tmp_path: Path) -> None:
    path = tmp_path / "plans.db"
    store = await SqliteDocumentStore.open(path)
    doc_id = new_document_id()
    doc = document_with({"a": os.urandom(300_000).hex()})
    position = await store.append_changes(doc_id, records_of(doc))
    wal = tmp_path / "plans.db-wal"
    grown = file_bytes(path, wal)
    await store.save_snapshot(doc_id, b"a snapshot", position)
    await store.close()

    with closing(sqlite3.connect(path)) as db:
        free_pages = db.execute("PRAGMA freelist_count").fetchone()[0]
    assert grown > 600_000  # the change's bytes, and its pages in the WAL
    assert free_pages == 0
    assert file_bytes(path, wal) < 300_000  # an empty database is ~200 KB: 4 KiB per table
