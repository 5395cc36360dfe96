"""The change decoder, on changes the real binding and the JavaScript library wrote, and on
hostile variants of them: anything unreadable is a ChangeOpsError, never a crash or a hang."""

import random
import struct
import zlib
from datetime import datetime

import pytest
from automerge.core import ROOT, Document, ExpandMark, ObjType, ScalarType

from server.crdt import leb128
from server.crdt.change_ops import (
    BYTES,
    COUNTER,
    DELETE,
    F64,
    INCREMENT,
    MAKE_LIST,
    MAKE_MAP,
    MAKE_TEXT,
    MARK,
    NULL,
    PUT,
    SLEB,
    STR,
    TIMESTAMP,
    TRUE,
    ULEB,
    Change,
    ChangeOpsError,
    Op,
    OpId,
    TooManyOps,
    decode,
)
from tests.support.change_chunks import chunk, contents, deflate, parts, with_column
from tests.support.change_chunks import with_deflated_columns as deflated

A = b"\x01" * 16
B = b"\x02" * 16

# Written by @automerge/automerge 3.5.0 (tests/interop/node_modules), actor 0a…0a:
#   A.change(d, x => { x.c = new A.Counter(5); x.note = "hi" })
#   A.change(d, x => { x.c.increment(3); A.splice(x, ["note"], 2, 0, "!");
#                      A.mark(x, ["note"], {start: 0, end: 2, expand: "both"}, "bold", true) })
JS_CHANGES = [
    bytes.fromhex(
        "856f4a8359cec3bf015800100a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01010000000a01040204110413"
        "05150a34024205560557037002000202000002020200037f0000027e00037e0163046e6f7465000202"
        "027e010402017e180002160568690400"
    ),
    bytes.fromhex(
        "856f4a836281e79e0193010159cec3bfd58cc32de0b692c2dd772c3def8585cc39f235fcb8695b00c4"
        "568c96100a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a02050000000e010402041108130615053402420556"
        "055702700471027302940102a5010a000103000001030200017f0000017f0000017d047c047f016300"
        "0301037e050102077c1416020003217f0103007f007f01020200027f04626f6c640001"
    ),
]


def changes(doc: Document, since: list[bytes] | None = None) -> list[bytes]:
    return [bytes(c.raw_bytes) for c in doc.get_changes(since or [])]


def summary(op: Op) -> tuple[object, ...]:
    """An operation with ids as (counter, actor letter) and its value's type and bytes."""

    def short(found: OpId | str | None) -> object:
        return (found.counter, "AB"[found.actor == B]) if isinstance(found, OpId) else found

    return (op.id.counter, short(op.obj), short(op.key), op.insert, op.action, op.value_type)


def two_changes() -> tuple[Document, list[bytes]]:
    """A change by A making every kind of object and scalar, then B's edits of them."""
    doc = Document(actor_id=A)
    with doc.transaction() as tx:
        tx.put(ROOT, "int", ScalarType.Int, -3)
        tx.put(ROOT, "uint", ScalarType.Uint, 300)
        tx.put(ROOT, "f64", ScalarType.F64, 1.5)
        tx.put(ROOT, "str", ScalarType.Str, "héllo")
        tx.put(ROOT, "bytes", ScalarType.Bytes, b"\x00\xff")
        tx.put(ROOT, "yes", ScalarType.Boolean, True)
        tx.put(ROOT, "none", ScalarType.Null, None)
        tx.put(ROOT, "at", ScalarType.Timestamp, datetime(2026, 1, 2))  # noqa: DTZ001
        listed = tx.put_object(ROOT, "list", ObjType.List)
        item = tx.insert_object(listed, 0, ObjType.Map)
        tx.insert(listed, 1, ScalarType.Int, 7)
        text = tx.put_object(item, "text", ObjType.Text)
        tx.splice_text(text, 0, 0, "ab")
    mine = Document(actor_id=B)
    mine.merge(doc)
    with mine.transaction() as tx:
        tx.splice_text(text, 1, 1, "XY")  # deletes "b", inserts after "a"
        tx.put(listed, 1, ScalarType.Int, 8)
        tx.delete(listed, 1)
        tx.delete(ROOT, "none")
        tx.mark(text, 0, 2, "bold", ScalarType.Boolean, True, ExpandMark.Both)
    return mine, changes(mine)


def test_every_operation_the_binding_writes_is_read_with_its_ids_and_values() -> None:
    doc, (first, second) = two_changes()
    made, edits = decode(first), decode(second)

    assert [summary(op) for op in made.ops] == [
        (1, None, "int", False, PUT, SLEB),
        (2, None, "uint", False, PUT, ULEB),
        (3, None, "f64", False, PUT, F64),
        (4, None, "str", False, PUT, STR),
        (5, None, "bytes", False, PUT, BYTES),
        (6, None, "yes", False, PUT, TRUE),
        (7, None, "none", False, PUT, NULL),
        (8, None, "at", False, PUT, TIMESTAMP),
        (9, None, "list", False, MAKE_LIST, NULL),
        (10, (9, "A"), None, True, MAKE_MAP, NULL),
        (11, (9, "A"), (10, "A"), True, PUT, SLEB),
        (12, (10, "A"), "text", False, MAKE_TEXT, NULL),
        (13, (12, "A"), None, True, PUT, STR),
        (14, (12, "A"), (13, "A"), True, PUT, STR),
    ]
    assert [op.value for op in made.ops[:6]] == [
        b"\x7d",  # -3, signed LEB128
        leb128.encode(300),
        struct.pack("<d", 1.5),
        "héllo".encode(),
        b"\x00\xff",
        b"",
    ]
    assert [summary(op) for op in edits.ops] == [
        (15, (12, "A"), (13, "A"), True, PUT, STR),  # "X" after "a"
        (16, (12, "A"), (15, "B"), True, PUT, STR),  # "Y" after "X"
        (17, (12, "A"), (14, "A"), False, DELETE, NULL),  # "b"
        (18, (9, "A"), (11, "A"), False, PUT, SLEB),
        (19, (9, "A"), (11, "A"), False, DELETE, NULL),
        (20, None, "none", False, DELETE, NULL),
        (21, (12, "A"), None, True, MARK, TRUE),  # "aX" bold
        (22, (12, "A"), (15, "B"), True, MARK, NULL),
    ]
    assert edits.ops[-2].mark_name == "bold"
    history = doc.get_changes([])
    for found, change in zip((made, edits), history, strict=True):
        assert (found.actor, found.seq, found.start_op) == (
            bytes(change.actor_id),
            change.seq,
            change.start_op,
        )
        assert found.start_op + len(found.ops) - 1 == change.max_op
        assert found.deps == tuple(bytes(d) for d in change.deps)
    assert edits.other_actors == (A,)


def test_counters_increments_and_marks_written_by_the_javascript_library_are_read() -> None:
    first, second = (decode(c) for c in JS_CHANGES)

    assert [(op.key, op.action, op.value_type, op.value) for op in first.ops[:2]] == [
        ("c", PUT, COUNTER, b"\x05"),
        ("note", MAKE_TEXT, NULL, b""),
    ]
    assert [(op.action, op.value_type, op.value, op.mark_name) for op in second.ops] == [
        (INCREMENT, SLEB, b"\x03", None),
        (PUT, STR, b"!", None),
        (MARK, TRUE, b"", "bold"),
        (MARK, NULL, b"", None),
    ]
    assert Document.load(b"".join(JS_CHANGES)).get_heads()  # the binding reads them too


def test_a_long_change_is_read_whole() -> None:
    doc = Document(actor_id=A)
    with doc.transaction() as tx:
        text = tx.put_object(ROOT, "text", ObjType.Text)
        tx.splice_text(text, 0, 0, "a walk by the river " * 100)

    found = decode(changes(doc)[0])

    assert len(found.ops) == 2001
    assert b"".join(op.value for op in found.ops[1:]).decode() == "a walk by the river " * 100


def test_deflated_columns_and_a_compressed_chunk_read_the_same() -> None:
    doc, raw = two_changes()
    compressed = chunk(contents(parts(raw[1])), compressed=True)

    assert decode(deflated(raw[1])) == decode(raw[1])
    assert decode(compressed) == decode(raw[1])
    # What was built is Automerge: the binding loads it as the same document.
    assert Document.load(raw[0] + compressed).get_heads() == doc.get_heads()


def test_a_change_with_no_operations_is_read() -> None:
    doc = Document(actor_id=A)
    with doc.transaction() as tx:
        tx.put(ROOT, "x", ScalarType.Int, 1)
    p = parts(changes(doc)[0])

    found = decode(chunk(contents(p._replace(columns=[]))))

    assert found == Change(A, 1, 1, 0, (), (), [])


# --- hostile input ---


def refused(data: bytes, match: str | None = None, max_ops: int = 200_000) -> None:
    with pytest.raises(ChangeOpsError, match=match):
        decode(data, max_ops)


def sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40):
            return bytes(out + bytes([byte]))
        out.append(byte | 0x80)


def test_every_cut_short_change_is_refused() -> None:
    _, (first, _) = two_changes()

    for end in range(len(first)):
        refused(first[:end])


def test_bytes_that_are_not_a_change_chunk_are_refused() -> None:
    _, (first, _) = two_changes()
    document = bytes(Document.load(first).save())

    refused(b"not automerge at all", "not an Automerge chunk")
    refused(document, "not a change chunk")
    refused(first + b"\x00", "length does not match")
    refused(first[:8] + b"\x02" + first[9:], "does not inflate")


@pytest.mark.parametrize(
    ("column", "data", "match"),
    [
        (0x42, sleb(2**40) + b"\x01", "more than"),  # one action repeated 2^40 times
        (0x42, sleb(-(2**40)), "more than"),  # 2^40 literal actions
        (0x42, b"\x00" + leb128.encode(2**62), "more than"),  # 2^62 null actions
        (0x42, b"\x7f" + b"\x80" * 20 + b"\x01", "longer than 64 bits"),
        (0x42, b"\x00\x01", "has no action"),
        (0x01, b"\x7f\x09", "counter or an actor"),  # an object's actor without its counter
        (0x15, b"\x7f\x02\xc3\x28", "not UTF-8"),  # a key that is not UTF-8
        (0x15, b"\x00\x01", "names no key"),  # a map key gone, no element instead
        (0x57, b"", "run past"),  # the values' bytes gone
        (0x13, b"\x7f\x7f", "below zero"),  # a key counter of -1
        (0x42 | 0x08, b"\xff\xff\xff", "does not inflate"),
        (0x15, b"\x7f\x05", "runs past"),  # a key of 5 bytes, not there
    ],
)
def test_a_hostile_column_is_refused_clearly(column: int, data: bytes, match: str) -> None:
    doc = Document(actor_id=A)
    with doc.transaction() as tx:
        tx.put(ROOT, "x", ScalarType.Str, "a value")

    refused(with_column(changes(doc)[0], column, data), match)


def test_an_actor_beyond_the_changes_actors_is_refused() -> None:
    doc = Document(actor_id=A)
    with doc.transaction() as tx:
        tx.put(ROOT, "x", ScalarType.Str, "a value")
    change = with_column(changes(doc)[0], 0x01, b"\x7f\x09")  # actor 9 of 1

    refused(with_column(change, 0x02, b"\x7f\x01"), "names actor 9")


def test_a_column_that_inflates_beyond_the_limit_is_refused() -> None:
    doc = Document(actor_id=A)
    with doc.transaction() as tx:
        tx.put(ROOT, "x", ScalarType.Str, "a value")
    bomb = deflate(b"\x00" * (65 * 1024 * 1024))

    refused(with_column(changes(doc)[0], 0x57 | 0x08, bomb), "inflates beyond")


def test_more_operations_than_allowed_are_refused() -> None:
    doc = Document(actor_id=A)
    with doc.transaction() as tx:
        tx.splice_text(tx.put_object(ROOT, "t", ObjType.Text), 0, 0, "four")

    assert len(decode(changes(doc)[0], max_ops=5).ops) == 5
    with pytest.raises(TooManyOps, match="more than 4 operations"):
        decode(changes(doc)[0], max_ops=4)


def test_random_damage_is_read_or_refused_never_a_crash() -> None:
    rng = random.Random(11)  # noqa: S311 - reproducible damage, not a secret
    _, raw = two_changes()
    samples = [*raw, deflated(raw[1]), *JS_CHANGES]
    outcomes = {"read": 0, "refused": 0}
    for _ in range(3000):
        data = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(9, len(data))] = rng.randrange(256)
        try:
            decode(bytes(data))
            outcomes["read"] += 1
        except ChangeOpsError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0
    assert outcomes["read"] > 0


def test_a_compressed_change_that_inflates_beyond_the_limit_is_refused() -> None:
    data = zlib.compress(b"\x00" * (65 * 1024 * 1024))[2:-4]  # raw DEFLATE
    bomb = b"\x85\x6f\x4a\x83" + b"\x00" * 4 + b"\x02" + leb128.encode(len(data)) + data

    refused(bomb, "inflates beyond")
