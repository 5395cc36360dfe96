"""The PostgreSQL change feed and the commits it announces, with several stores on one database.

Each `PostgresDatabase` here stands for one server process: its own writer, pool and
origin. What is checked: a follower that reads the log after each announcement never misses
a change (per document, log order is commit order), announcements name committed rows
only, a race for one actor id has exactly one winner, a snapshot another process wrote is
read whole, and a lost LISTEN connection is re-established and says so (`resumed`).
"""

import asyncio
import os
from collections.abc import AsyncIterator, Callable

import msgspec
import pytest
from automerge.core import Document

from server.crdt.engine import LiveDocument
from server.ids import DocumentId
from server.storage.feed import LocalFeed
from server.storage.postgres import CHANGES_CHANNEL, PostgresDatabase, PostgresDocumentStore
from server.storage.postgres_feed import PostgresFeed
from server.storage.protocol import ActorTaken, ChangeRecord
from tests.support.automerge_docs import document_with, new_document_id, put, records_of

WAIT_S = 10.0


class Heard:
    """A FeedListener that keeps what it hears."""

    def __init__(self) -> None:
        self.changes: list[tuple[DocumentId, int, int, bool]] = []
        self.carried: dict[int, list[bytes] | None] = {}
        """The change chunks each announcement carried, by its position."""
        self.access: list[bytes] = []
        self.resumes = 0
        self.event = asyncio.Event()

    def document_changed(
        self,
        document_id: DocumentId,
        log_position: int,
        previous: int,
        own: bool,
        changes: list[bytes] | None = None,
    ) -> None:
        self.changes.append((document_id, log_position, previous, own))
        self.carried[log_position] = changes
        self.event.set()

    def access_changed(self, event: bytes) -> None:
        self.access.append(event)
        self.event.set()

    def resumed(self) -> None:
        self.resumes += 1
        self.event.set()

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_S):
            while not done():
                self.event.clear()
                await self.event.wait()


class Process(msgspec.Struct):
    db: PostgresDatabase
    store: PostgresDocumentStore
    feed: PostgresFeed
    heard: Heard


@pytest.fixture
async def processes(postgres_url: str) -> AsyncIterator[list[Process]]:
    opened: list[Process] = []
    for _ in range(3):
        db = await PostgresDatabase.open(postgres_url)
        store = PostgresDocumentStore(db)
        feed = PostgresFeed(db, store)
        heard = Heard()
        await feed.start(heard)
        opened.append(Process(db, store, feed, heard))
    yield opened
    for process in opened:
        await process.feed.close()
        await process.db.close()


def chain(count: int, actor: bytes) -> list[ChangeRecord]:
    """`count` changes of one actor, each its own record."""
    doc = Document(actor_id=actor)
    records = []
    for n in range(count):
        heads = doc.get_heads()
        put(doc, f"k{n}", str(n))
        records.extend(records_of(doc, heads))
    return records


async def test_a_follower_reading_after_each_announcement_misses_nothing(
    processes: list[Process],
) -> None:
    a, b, follower = processes
    doc_id = new_document_id()
    from_a, from_b = chain(30, b"\x0a" * 16), chain(30, b"\x0b" * 16)

    async def append(process: Process, records: list[ChangeRecord]) -> set[int]:
        # One commit each, interleaved with the other writer's.
        return {await process.store.append_changes(doc_id, [record]) for record in records}

    positions_a, _ = await asyncio.gather(append(a, from_a), append(b, from_b))
    await a.heard.until(lambda: {c[1] for c in a.heard.changes if c[3]} == positions_a)
    last = max(c[1] for p in (a, b) for c in p.heard.changes if c[0] == doc_id)
    await follower.heard.until(lambda: any(c[1] == last for c in follower.heard.changes))

    copy = LiveDocument()  # what a process holding the document would hold
    position = 0
    for document_id, announced, previous, own in follower.heard.changes:
        assert document_id == doc_id
        assert not own
        assert previous < announced
        if announced <= position:
            continue
        after = await follower.feed.changes_after(doc_id, position)
        assert after.log_position >= announced  # an announced row is committed: readable
        copy.add_changes(after.changes)  # raises if a dependency had been skipped
        position = after.log_position
    assert copy.change_hashes() == {r.hash for r in from_a + from_b}
    # A writer hears its own commits as its own (and the other's as not).
    assert not any(c[3] and c[1] not in positions_a for c in a.heard.changes)


async def test_an_announcement_carries_exactly_the_changes_its_commit_logged(
    processes: list[Process],
) -> None:
    a, b, follower = processes
    doc_id = new_document_id()
    from_a, from_b = chain(20, b"\x0a" * 16), chain(20, b"\x0b" * 16)

    async def append(process: Process, records: list[ChangeRecord]) -> None:
        for n in range(0, len(records), 2):  # two changes per commit
            await process.store.append_changes(doc_id, records[n : n + 2])

    await asyncio.gather(append(a, from_a), append(b, from_b))
    last = (await follower.feed.changes_after(doc_id, 0)).log_position
    await follower.heard.until(lambda: any(c[1] == last for c in follower.heard.changes))

    copy = LiveDocument()  # built from the announcements alone, no read
    for _, announced, previous, _ in follower.heard.changes:
        carried = follower.heard.carried[announced]
        assert carried is not None
        assert (
            carried == (await follower.feed.changes_after(doc_id, previous)).changes[: len(carried)]
        )
        assert len(carried) == 2
        copy.add_changes(carried)
    assert copy.change_hashes() == {r.hash for r in from_a + from_b}


async def test_changes_too_large_for_a_notification_are_left_to_the_read(
    processes: list[Process],
) -> None:
    a, _, follower = processes
    doc_id = new_document_id()
    doc = document_with({"small": "1"})
    await a.store.append_changes(doc_id, records_of(doc))
    heads = doc.get_heads()
    put(doc, "large", os.urandom(6000).hex())  # 12,000 characters: over the 8000-byte limit
    position = await a.store.append_changes(doc_id, records_of(doc, heads))

    many = chain(100, b"\x0c" * 16)  # small changes, too many bytes together
    assert max(len(r.data) for r in many) < 200
    assert sum(len(r.data) for r in many) > 6000
    together = await a.store.append_changes(doc_id, many)

    await follower.heard.until(lambda: together in follower.heard.carried)
    assert follower.heard.carried[position] is None
    assert follower.heard.carried[together] is None
    assert [len(c) for c in follower.heard.carried.values() if c is not None] != []
    after = await follower.feed.changes_after(doc_id, position - 1)
    assert after.log_position == together
    assert len(after.changes) == 1 + len(many)


async def test_an_announcement_whose_changes_do_not_decode_is_still_heard(
    processes: list[Process],
) -> None:
    a, b, _ = processes
    doc_id = new_document_id()
    await a.db.fetch(
        "SELECT pg_notify(%s, %s)", (CHANGES_CHANNEL, f"elsewhere 3 7 {doc_id} not*base64")
    )
    await b.heard.until(lambda: any(c[0] == doc_id for c in b.heard.changes))
    assert b.heard.changes[-1] == (doc_id, 7, 3, False)
    assert b.heard.carried[7] is None  # the listener reads the log instead


async def test_two_processes_racing_for_one_actor_id_have_one_winner(
    processes: list[Process],
) -> None:
    a, b, _ = processes
    for round_ in range(10):
        actor = bytes([round_]) * 16
        doc_id = new_document_id()
        [record] = records_of(document_with({"x": "1"}, actor=actor))
        results = await asyncio.gather(
            a.store.append_changes(doc_id, [msgspec.structs.replace(record, account_id="alice")]),
            b.store.append_changes(doc_id, [msgspec.structs.replace(record, account_id="bob")]),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, ActorTaken)]
        assert len(refused) == 1, results
        winner = "bob" if isinstance(results[0], ActorTaken) else "alice"
        assert refused[0].owners == {actor: winner}
        assert (await a.store.actor_bindings())[actor] == winner
        assert [c.account_id for c in await a.store.list_changes(doc_id)] == [winner]


async def test_rows_another_process_compacted_are_read_through_its_snapshot(
    processes: list[Process],
) -> None:
    a, b, _ = processes
    doc_id = new_document_id()
    doc = document_with({"a": "1"})
    await a.store.append_changes(doc_id, records_of(doc))
    heads = doc.get_heads()
    put(doc, "b", "2")
    position = await a.store.append_changes(doc_id, records_of(doc, heads))
    await a.store.save_snapshot(doc_id, doc.save(), position)

    after = await b.feed.changes_after(doc_id, 1)

    assert after.changes == []
    assert after.whole is not None
    assert after.log_position == position
    assert sorted(Document.load(after.whole).get_heads()) == sorted(doc.get_heads())
    assert (await b.feed.changes_after(doc_id, position)).log_position == position


async def test_access_events_reach_the_other_processes_only(processes: list[Process]) -> None:
    a, b, c = processes
    await a.feed.publish_access(b'{"kind":"credential","credential_id":"s1"}')
    await b.heard.until(lambda: bool(b.heard.access))
    await c.heard.until(lambda: bool(c.heard.access))
    assert b.heard.access == c.heard.access == [b'{"kind":"credential","credential_id":"s1"}']
    assert a.heard.access == []


async def test_a_lost_listen_connection_comes_back_and_asks_to_catch_up(
    processes: list[Process],
) -> None:
    a, b, _ = processes
    await b.db.fetch(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE query LIKE 'LISTEN%%' AND pid <> pg_backend_pid()"
    )
    await a.heard.until(lambda: a.heard.resumes >= 1)
    await b.heard.until(lambda: b.heard.resumes >= 1)
    assert a.feed.state() is None  # listening again before it said so
    # Listening again: a commit is heard.
    doc_id = new_document_id()
    await a.store.append_changes(doc_id, records_of(document_with({"z": "1"})))
    await b.heard.until(lambda: any(ch[0] == doc_id for ch in b.heard.changes))


async def test_the_local_feed_has_nothing_to_tell() -> None:
    feed = LocalFeed()
    assert not feed.shared
    assert feed.state() is None
    after = await feed.changes_after(new_document_id(), 7)
    assert (after.changes, after.log_position, after.whole) == ([], 7, None)
