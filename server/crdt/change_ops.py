r"""What one Automerge change did, read from its own operation columns (no binding needed).

A change chunk (Automerge binary format, "Change chunks"): magic, checksum, type (1 change,
2 the same DEFLATE-compressed), LEB128 length, then: dependencies, the author's actor id,
seq, start op, time, message, the other actors its operations name, the column metadata
(count, then each column's spec and length), the columns, extra bytes. Each operation is one
row across the columns; its id is `start_op + row` @ the author. Columns this module reads:

| spec | column | encoding |
| --- | --- | --- |
| 0x01 / 0x02 | obj actor / counter | actor-RLE / uLEB-RLE (both null: the root) |
| 0x11 / 0x13 / 0x15 | key actor / counter / string | actor-RLE / delta / string-RLE |
| 0x34 | insert | boolean |
| 0x42 | action | uLEB-RLE |
| 0x56 / 0x57 | value metadata / raw bytes | uLEB-RLE of (length << 4 \| type) / raw |
| 0xa5 | mark name | string-RLE |

A spec is `column id << 4 | deflate bit (8) | type`; a column with the deflate bit set is
raw DEFLATE. Columns a change lacks are all null (or false); predecessor, expand and unknown
columns are skipped: nothing here needs them, and the binding, which applied the change
before it is read here, has checked them.

Every count and length is bounded by the bytes present or by `max_ops`, integers by 64 bits,
so hostile input costs at most what its size allows and raises ChangeOpsError, never more.
"""

import zlib
from collections.abc import Callable
from typing import NamedTuple

from server.crdt import leb128

MAGIC = b"\x85\x6f\x4a\x83"
MAX_OPS = 200_000
"""The most operations read of one change by default (a plan edit holds a few dozen, a new
item up to about 2,000: one per character). A document may hold larger changes (a plan
imported whole, 400 items of 2,000 characters: 800,000); callers read those another way."""
_MAX_INFLATED = 64 * 1024 * 1024  # a compressed change or column larger than this is refused

MAKE_MAP, PUT, MAKE_LIST, DELETE, MAKE_TEXT, INCREMENT, MAKE_TABLE, MARK = range(8)
MAKES = frozenset({MAKE_MAP, MAKE_LIST, MAKE_TEXT, MAKE_TABLE})
"""Actions that create an object, whose id is the operation's id."""

# Value types in the low 4 bits of a value's metadata.
NULL, FALSE, TRUE, ULEB, SLEB, F64, STR, BYTES, COUNTER, TIMESTAMP = range(10)

_OBJ_ACTOR, _OBJ_CTR = 0x01, 0x02
_KEY_ACTOR, _KEY_CTR, _KEY_STR = 0x11, 0x13, 0x15
_INSERT, _ACTION = 0x34, 0x42
_VALUE_META, _VALUE_RAW = 0x56, 0x57
_MARK_NAME = 0xA5
_DEFLATE = 0x08


class ChangeOpsError(ValueError):
    """Bytes that are not one readable Automerge change."""


class TooManyOps(ChangeOpsError):
    """A change with more operations than the caller reads (`decode`'s `max_ops`)."""


class _Overflow(ChangeOpsError):
    """A column with more values than allowed."""


class OpId(NamedTuple):
    """An operation's (and the object it made's) id: `counter@actor`."""

    counter: int
    actor: bytes


class Op(NamedTuple):
    id: OpId
    obj: OpId | None
    """The object written; None: the root map."""
    key: str | OpId | None
    """A map key; in a list or text the element written (or inserted after), None for the
    list's head."""
    insert: bool
    action: int
    """MAKE_MAP, PUT, ...: an Automerge action number (numbers above MARK are newer ones)."""
    value_type: int
    value: bytes
    """The value's raw bytes (their meaning: `value_type`)."""
    mark_name: str | None


class Change(NamedTuple):
    actor: bytes
    seq: int
    start_op: int
    time: int
    deps: tuple[bytes, ...]
    other_actors: tuple[bytes, ...]
    ops: list[Op]


def decode(chunk: bytes, max_ops: int = MAX_OPS) -> Change:
    """The operations of one change chunk. Raises ChangeOpsError for anything else.

    TooManyOps (a ChangeOpsError) if it holds more than `max_ops`: a caller may then read
    the change some other way (the binding's diff), having spent at most that many.
    """
    try:
        return _decode(chunk, max_ops)
    except IndexError:
        raise ChangeOpsError("the change is cut short") from None


def _decode(chunk: bytes, max_ops: int) -> Change:
    if chunk[:4] != MAGIC:
        raise ChangeOpsError("not an Automerge chunk")
    kind = chunk[8]
    length, start = _uleb(chunk, 9)
    if start + length != len(chunk):
        raise ChangeOpsError("the chunk's length does not match its bytes")
    contents = chunk[start:]
    if kind == 2:
        contents = _inflate(contents, "the compressed change")
    elif kind != 1:
        raise ChangeOpsError(f"not a change chunk (type {kind})")
    return _contents(contents, max_ops)


def _contents(data: bytes, max_ops: int) -> Change:
    count, pos = _uleb(data, 0)
    deps = tuple(
        data[pos + 32 * i : pos + 32 * (i + 1)] for i in range(_fits(data, pos, count, 32))
    )
    pos += 32 * count
    actor, pos = _bytes(data, pos)
    seq, pos = _uleb(data, pos)
    start_op, pos = _uleb(data, pos)
    time, pos = _sleb(data, pos)
    _, pos = _bytes(data, pos)  # the message
    count, pos = _uleb(data, pos)
    others = []
    for _ in range(_fits(data, pos, count, 1)):
        other, pos = _bytes(data, pos)
        others.append(other)
    count, pos = _uleb(data, pos)
    specs = []
    for _ in range(_fits(data, pos, count, 2)):
        spec, pos = _uleb(data, pos)
        size, pos = _uleb(data, pos)
        specs.append((spec, size))
    columns: dict[int, bytes] = {}
    for spec, size in specs:
        if pos + size > len(data):
            raise ChangeOpsError("a column runs past the change's end")
        column = data[pos : pos + size]
        pos += size
        if spec & _DEFLATE:
            column = _inflate(column, "a compressed column")
        if spec & ~_DEFLATE in columns:
            raise ChangeOpsError(f"column {spec:#x} appears twice")
        columns[spec & ~_DEFLATE] = column
    ops = _ops(columns, actor, start_op, (actor, *others), max_ops)
    return Change(actor, seq, start_op, time, deps, tuple(others), ops)


def _ops(
    columns: dict[int, bytes], author: bytes, start_op: int, actors: tuple[bytes, ...], limit: int
) -> list[Op]:
    try:
        actions = _rle(columns.get(_ACTION, b""), limit, _uleb)
    except _Overflow:
        raise TooManyOps(f"the change holds more than {limit} operations") from None
    rows = len(actions)
    obj_actor = _ints(columns.get(_OBJ_ACTOR, b""), rows, signed=False)
    obj_ctr = _ints(columns.get(_OBJ_CTR, b""), rows, signed=False)
    key_actor = _ints(columns.get(_KEY_ACTOR, b""), rows, signed=False)
    key_ctr = _deltas(columns.get(_KEY_CTR, b""), rows)
    key_str = _strings(columns.get(_KEY_STR, b""), rows)
    insert = _booleans(columns.get(_INSERT, b""), rows)
    meta = _ints(columns.get(_VALUE_META, b""), rows, signed=False)
    marks = _strings(columns.get(_MARK_NAME, b""), rows)
    raw = columns.get(_VALUE_RAW, b"")
    ops = []
    pos = 0
    for row in range(rows):
        action = actions[row]
        if not isinstance(action, int):
            raise ChangeOpsError(f"operation {row} has no action")
        value_meta = meta[row] or 0
        end = pos + (value_meta >> 4)
        if end > len(raw):
            raise ChangeOpsError("the values run past their column")
        ops.append(
            Op(
                OpId(start_op + row, author),
                _object(obj_actor[row], obj_ctr[row], actors),
                _key(key_actor[row], key_ctr[row], key_str[row], actors),
                insert[row],
                action,
                value_meta & 0x0F,
                raw[pos:end],
                marks[row],
            )
        )
        pos = end
    return ops


def _object(actor: int | None, counter: int | None, actors: tuple[bytes, ...]) -> OpId | None:
    if actor is None and not counter:
        return None
    if actor is None or counter is None:
        raise ChangeOpsError("an operation's object has a counter or an actor, not both")
    return OpId(counter, _actor(actor, actors))


def _key(
    actor: int | None, counter: int | None, text: str | None, actors: tuple[bytes, ...]
) -> str | OpId | None:
    if text is not None:
        return text
    if counter is None:
        raise ChangeOpsError("an operation names no key")
    if actor is None:
        if counter != 0:
            raise ChangeOpsError("an operation's element has a counter but no actor")
        return None  # the head of the list
    return OpId(counter, _actor(actor, actors))


def _actor(index: int, actors: tuple[bytes, ...]) -> bytes:
    if index >= len(actors):
        raise ChangeOpsError(f"an operation names actor {index}; the change has {len(actors)}")
    return actors[index]


# --- column encodings ---


def _room(found: int, more: int, limit: int) -> None:
    if found + more > limit:
        raise _Overflow(f"a column holds more than {limit} values")


def _pad(values: list[object], rows: int, fill: object) -> None:
    values.extend([fill] * (rows - len(values)))


_Reader = Callable[[bytes, int], tuple[object, int]]


def _rle(data: bytes, limit: int, read: _Reader) -> list[object]:
    """Values in run-length encoding, at most `limit` of them.

    Each run: a signed count n, then one value repeated n times (n > 0), -n literal values
    (n < 0), or an unsigned count of nulls (n = 0).
    """
    out: list[object] = []
    pos = 0
    while pos < len(data):
        count, pos = _sleb(data, pos)
        if count > 0:
            _room(len(out), count, limit)
            value, pos = read(data, pos)
            out.extend([value] * count)
        elif count < 0:
            _room(len(out), -count, limit)
            for _ in range(-count):
                value, pos = read(data, pos)
                out.append(value)
        else:
            nulls, pos = _uleb(data, pos)
            _room(len(out), nulls, limit)
            out.extend([None] * nulls)
    return out


def _ints(data: bytes, rows: int, *, signed: bool) -> list[int | None]:
    values = _rle(data, rows, _sleb if signed else _uleb)
    _pad(values, rows, None)
    return values  # type: ignore[return-value] # _uleb/_sleb read ints


def _deltas(data: bytes, rows: int) -> list[int | None]:
    """Delta encoding: the RLE of each value's difference from the previous non-null one."""
    out: list[int | None] = []
    total = 0
    for delta in _ints(data, rows, signed=True):
        if delta is None:
            out.append(None)
            continue
        total += delta
        if total < 0:
            raise ChangeOpsError("a counter column goes below zero")
        out.append(total)
    return out


def _strings(data: bytes, rows: int) -> list[str | None]:
    values = _rle(data, rows, _text)
    _pad(values, rows, None)
    return values  # type: ignore[return-value] # _text reads str


def _booleans(data: bytes, rows: int) -> list[bool]:
    """Boolean encoding: alternating run lengths, false first."""
    out: list[bool] = []
    value = False
    pos = 0
    while pos < len(data):
        count, pos = _uleb(data, pos)
        _room(len(out), count, rows)
        out.extend([value] * count)
        value = not value
    _pad(out, rows, False)  # type: ignore[arg-type] # a list of bool, padded with False
    return out


# --- primitives ---


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 of at most 64 bits, and the position after it."""
    try:
        return leb128.decode(data, pos)
    except leb128.TooLong:
        raise ChangeOpsError("an integer longer than 64 bits") from None


def _sleb(data: bytes, pos: int) -> tuple[int, int]:
    """A signed LEB128 of at most 64 bits, and the position after it."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return (value - (1 << shift) if byte & 0x40 else value), pos
        if shift >= 64:
            raise ChangeOpsError("an integer longer than 64 bits")


def _bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = _uleb(data, pos)
    if pos + length > len(data):
        raise ChangeOpsError("a length runs past the change's end")
    return data[pos : pos + length], pos + length


def _text(data: bytes, pos: int) -> tuple[str, int]:
    raw, pos = _bytes(data, pos)
    try:
        return raw.decode("utf-8"), pos
    except UnicodeDecodeError:
        raise ChangeOpsError("a string column holds bytes that are not UTF-8") from None


def _fits(data: bytes, pos: int, count: int, size: int) -> int:
    """`count`, if that many entries of at least `size` bytes fit in what is left."""
    if count * size > len(data) - pos:
        raise ChangeOpsError("a count runs past the change's end")
    return count


def _inflate(data: bytes, what: str) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, _MAX_INFLATED)
    except zlib.error as e:
        raise ChangeOpsError(f"{what} does not inflate: {e}") from None
    if inflater.unconsumed_tail:
        raise ChangeOpsError(f"{what} inflates beyond {_MAX_INFLATED:,} bytes")
    return out
