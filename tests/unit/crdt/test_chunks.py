"""The heads of stored bytes, read from their chunks (`chunks.stored_heads`).

What they name must be exactly what loading the bytes gives, or nothing: a peer is sent the
stored document under these heads before the server has loaded it (hub, "before the load").
"""

import hashlib
import random

from automerge.core import Document

from server.crdt import chunks
from server.crdt.engine import LiveDocument
from tests.support.automerge_docs import document_with, put


def _heads(doc: Document) -> list[bytes]:
    return sorted(bytes(h) for h in doc.get_heads())


def _changes(doc: Document, since: list[bytes]) -> bytes:
    return b"".join(bytes(c.raw_bytes) for c in doc.get_changes(since))


def _loaded_heads(data: bytes) -> list[bytes]:
    return sorted(LiveDocument.load(data).heads)


def test_a_snapshot_alone_names_its_heads() -> None:
    doc = document_with({"a": "1"})
    other = doc.fork()
    put(doc, "b", "2")
    put(other, "c", "3")
    doc.merge(other)  # two heads
    data = bytes(doc.save())
    assert chunks.stored_heads(data) == _heads(doc) == _loaded_heads(data)
    assert len(_heads(doc)) == 2


def test_changes_logged_after_the_snapshot_move_the_heads() -> None:
    doc = document_with({"a": "1"})
    snapshot = bytes(doc.save())
    at = [bytes(h) for h in doc.get_heads()]
    put(doc, "b", "2")
    side = doc.fork()
    put(doc, "c", "3")
    put(side, "d", "4")
    doc.merge(side)
    data = snapshot + _changes(doc, at)
    assert chunks.stored_heads(data) == _heads(doc) == _loaded_heads(data)


def test_changes_without_a_snapshot() -> None:
    doc = document_with({"a": "1"})
    put(doc, "b", "2")
    data = _changes(doc, [])
    assert chunks.stored_heads(data) == _heads(doc) == _loaded_heads(data)


def test_a_change_made_on_an_older_part_of_the_history_is_left_to_the_load() -> None:
    doc = document_with({"a": "1"})
    old = doc.fork()  # knows only the first change
    put(doc, "b", "2")
    snapshot = bytes(doc.save())  # its head is the second change
    put(old, "c", "3")  # depends on the first change, inside the snapshot
    doc.merge(old)
    data = snapshot + bytes(old.get_last_local_change().raw_bytes)
    assert chunks.stored_heads(data) is None
    assert _loaded_heads(data) == _heads(doc)  # loadable, just not read from the chunks


def test_damaged_or_unknown_bytes_name_nothing() -> None:
    doc = document_with({"a": "1"})
    put(doc, "b", "2")
    snapshot = bytes(doc.save())
    change = bytes(doc.get_last_local_change().raw_bytes)
    flipped = bytearray(snapshot)
    flipped[-1] ^= 1
    assert chunks.stored_heads(bytes(flipped)) is None  # the checksum no longer matches
    flipped = bytearray(change)
    flipped[-1] ^= 1
    assert chunks.stored_heads(bytes(flipped)) is None
    assert chunks.stored_heads(b"") is None
    assert chunks.stored_heads(b"not chunks at all") is None
    assert chunks.stored_heads(snapshot[:-3]) is None  # cut short
    assert chunks.stored_heads(change + snapshot) is None  # a snapshot after changes
    # A change whose dependency is not stored at all.
    assert chunks.stored_heads(change) is None


def test_a_hostile_actor_count_is_read_no_further_than_the_chunk() -> None:
    doc = document_with({"a": "1"})
    snapshot = bytearray(doc.save())
    start = 9 + 1  # magic, checksum, type, a one-byte length for this small chunk
    assert snapshot[9] < 0x80
    snapshot[start] = 0x7F  # 127 actors, far more than the chunk holds
    snapshot[4:8] = hashlib.sha256(bytes(snapshot[8:])).digest()[:4]
    assert chunks.stored_heads(bytes(snapshot)) is None


def test_random_histories_name_the_heads_loading_gives_or_nothing() -> None:
    # Three phones edit and merge at random; the server stores a snapshot at a random point
    # and then logs the changes it receives after it, as it does (dependencies first).
    rng = random.Random(20261202)  # noqa: S311 - a repeatable test, not a secret
    named = 0
    for _ in range(60):
        server = document_with({"start": "0"})
        phones = [server.fork() for _ in range(3)]
        snapshot: bytes | None = None
        at: list[bytes] = []
        for step in range(rng.randint(5, 30)):
            phone, other = rng.sample(phones, 2)
            if rng.random() < 0.3:
                phone.merge(other)
            put(phone, f"k{rng.randint(0, 4)}", str(step))
            if rng.random() < 0.5:
                server.merge(phone)
                phone.merge(server)
            if snapshot is None and rng.random() < 0.2:
                snapshot, at = bytes(server.save()), [bytes(h) for h in server.get_heads()]
        for phone in phones:
            server.merge(phone)
        data = (snapshot or b"") + _changes(server, at)
        found = chunks.stored_heads(data)
        assert found is None or found == _loaded_heads(data) == _heads(server)
        named += found is not None
    # Both answers occur: a change made on an older part of the history is left to the load
    # (most of these, where three phones merge at random), the rest are read.
    assert 10 <= named < 60, f"{named} of 60 histories were read from their chunks"
