"""The only module that touches the Automerge binding (`automerge.core`, Rust core 0.7.2).

Everything else sees plain bytes, opaque sync states and `ReceivedChange` records, so a
binding upgrade (or a swap to another implementation) is contained here.
"""

import base64
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
from automerge.core import ROOT, Document, Message, ObjType, ScalarType, SyncState

from server import clock
from server.crdt import chunks, leb128, patches
from server.crdt.patches import ObjectRef, Touch

_T = TypeVar("_T")
_SYNC_V1 = 0x42
_SYNC_V2 = 0x43


class SyncDataError(ValueError):
    """The bytes of a sync message could not be decoded or applied."""


class ReceivedChange(msgspec.Struct, frozen=True):
    hash: bytes
    actor: bytes
    seq: int
    data: bytes
    change_time_ms: int
    """The change's own time (its author's clock) in ms; 0: none recorded."""


class ChangeInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One change of a document's history, without its bytes."""

    hash: bytes
    deps: tuple[bytes, ...]
    actor: bytes
    seq: int
    start_op: int
    max_op: int
    """Operations start_op..max_op (counters of `actor`) are this change's."""
    time_ms: int
    """The change's own time in ms; 0: none recorded (`_change_time_ms`)."""


class Received(msgspec.Struct, frozen=True):
    """A peer's sync message applied to a copy of a live document (`LiveDocument.receive`)."""

    document: "LiveDocument"
    """The copy with the message applied: becomes the live document if the changes pass."""
    changes: list[ReceivedChange]
    """The changes the message added, in causal order (empty: nothing new)."""
    heads_before: list[bytes]
    """The live document's heads before the message."""
    written: list[bytes] = []
    """The heads of the new changes alone: the document as their writer left it, without
    the changes others made concurrently (empty: nothing new)."""
    held_bytes: int = 0
    """The size of the changes now held for the peer (`PeerSyncState.held`)."""
    missing: int = 0
    """How many changes the held ones wait for (`PeerSyncState.missing`)."""


class Value(msgspec.Struct, frozen=True):
    """A value of a document with its Automerge type (`LiveDocument.typed_fields`)."""

    kind: str
    """"map", "list", "text", or the scalar's type in lower case: "str", "int", "uint",
    "f64", "boolean", "null", "bytes", "timestamp", "counter", "unknown"."""
    content: object
    """The text (for "text" and "str"), an ObjectRef (map, list), or the scalar."""


class Held(msgspec.Struct, frozen=True):
    """A change a peer sent before its dependencies (`PeerSyncState.held`)."""

    data: bytes
    deps: tuple[bytes, ...]


MAX_MISSING_DEPENDENCIES = 1_000
"""How many distinct changes a peer's held changes may wait for. An honest client's wait
for one (a bloom-filter false positive); beyond this the peer's messages are refused."""


class PeerSyncState:
    """The sync state of one (connection, document) pair. Never reused across connections."""

    __slots__ = ("_state", "held", "missing")

    def __init__(self) -> None:
        self._state = SyncState()
        self.held: dict[bytes, Held] = {}
        """Changes the peer sent that wait for dependencies it has not sent yet, by hash.

        Automerge queues such changes inside the document that received them, and the queue
        then travels with every copy, is written by `save()` into snapshots, and makes the
        document ask every peer for the missing dependencies. So the live document never
        holds a queue: the changes are held here, for this peer only, offered again when one
        of the changes they wait for arrives (`LiveDocument.receive`), and the messages to
        the peer ask for those (`LiveDocument.generate`). A bloom-filter false positive
        makes an honest peer send such changes (about one upload in a hundred); a hostile
        one can send them on purpose, and pays for it in the document's size limit.
        """
        self.missing: frozenset[bytes] = frozenset()
        """The changes the held ones wait for: neither held nor in the document."""

    @property
    def held_bytes(self) -> int:
        return sum(len(h.data) for h in self.held.values())


def has_empty_heads(data: bytes) -> bool:
    """True if the sync message advertises no heads: the sender holds nothing of the document.

    Layout (sync-protocol.md 5.1): one version byte, then the LEB128 count of heads; a count
    of zero is the single byte 0.
    """
    return len(data) >= 2 and data[0] in (_SYNC_V1, _SYNC_V2) and data[1] == 0


def carries_changes(data: bytes) -> bool:
    """True if a sync message holds at least one change (layout: sync-protocol.md 5.1).

    Used for flow control only: a wrong answer on malformed input costs a delayed message,
    never correctness, so any parse failure answers False.
    """
    try:
        changes, _ = leb128.decode(data, _changes_offset(data))
    except IndexError:
        return False
    return changes > 0


def message_heads(data: bytes) -> list[bytes] | None:
    """The heads a sync message advertises; None if it does not parse that far."""
    try:
        count, pos = leb128.decode(data, 1)
    except IndexError:
        return None
    if pos + 32 * count > len(data):
        return None
    return [data[pos + 32 * i : pos + 32 * (i + 1)] for i in range(count)]


_CAPABILITY_V2 = 2  # "MessageV2": the peer takes whole documents among a message's changes


def asks_for_everything(data: bytes) -> bool:
    """The sender holds nothing of the document and takes a whole one in one message.

    It advertises no heads and lists the v2 capability in the message's trailer (layout,
    sync-protocol.md 5.1: after the changes, a LEB128 count of capabilities and one byte
    each). Any parse failure answers False: the ordinary path then serves the peer.
    """
    if not has_empty_heads(data):
        return False
    try:
        pos = _changes_offset(data)
        count, pos = leb128.decode(data, pos)
        for _ in range(count):
            length, pos = leb128.decode(data, pos)
            pos += length
        capabilities, pos = leb128.decode(data, pos)
        return count == 0 and _CAPABILITY_V2 in data[pos : pos + capabilities]
    except IndexError:
        return False


def whole_document_message(heads: list[bytes], stored: bytes) -> bytes:
    """A sync message that gives a peer holding nothing the whole document at once.

    `stored`: the document as storage holds it (a snapshot and the changes logged since, all
    chunks back to back), every change of it durable, and `heads` its heads. This is what
    the binding itself sends such a peer (a v2 message whose one change entry is the saved
    document), except that no `save()` runs: the bytes come from storage. No `have` is
    sent: the peer, holding nothing, has nothing to send back but its acknowledgement.
    """
    out = bytearray([_SYNC_V2]) + leb128.encode(len(heads))
    for head in heads:
        out += head
    out += bytes([0, 0])  # no need, no have
    out += leb128.encode(1) + leb128.encode(len(stored)) + stored
    out += bytes([2, 1, _CAPABILITY_V2])  # the capabilities we speak: v1 and v2
    return bytes(out)


def message_changes(data: bytes) -> list[bytes]:
    """The changes a sync message carries, each as the bytes of one change chunk.

    Raises SyncDataError if the message does not parse that far.
    """
    try:
        count, pos = leb128.decode(data, _changes_offset(data))
        changes = []
        for _ in range(count):
            length, pos = leb128.decode(data, pos)
            if pos + length > len(data):
                raise IndexError
            changes.append(data[pos : pos + length])
            pos += length
    except IndexError:
        raise SyncDataError("a sync message's changes run past its end") from None
    return changes


def _changes_offset(data: bytes) -> int:
    """Where a sync message's list of changes starts. Raises IndexError if it is cut short."""
    pos = 1
    for _ in range(2):  # heads, then need: a count and that many 32-byte hashes
        count, pos = leb128.decode(data, pos)
        pos += 32 * count
    haves, pos = leb128.decode(data, pos)
    for _ in range(haves):
        last_sync, pos = leb128.decode(data, pos)
        pos += 32 * last_sync
        bloom, pos = leb128.decode(data, pos)
        pos += bloom
    return pos


def _carrying(changes: Sequence[bytes]) -> Message:
    """A sync message that carries `changes` and says nothing else.

    Received with a throwaway sync state, it adds the changes to a copy of a document; the
    binding has no other way to apply changes.
    """
    out = bytearray([_SYNC_V1, 0, 0, 0])  # no heads, no need, no have
    out += leb128.encode(len(changes))
    for change in changes:
        out += leb128.encode(len(change))
        out += change
    return Message.decode(bytes(out))


def _single_changes(carried: list[bytes]) -> tuple[list[bytes], bool]:
    """The single change chunks in a message's changes, and whether a document came too.

    An entry may hold several chunks back to back; a whole document (a document chunk,
    which v2 messages may carry) depends on nothing, so only single changes can wait.
    """
    single: list[bytes] = []
    whole = False
    for entry in carried:
        for kind, raw in _readable(chunks.kinds, entry):
            if kind == chunks.DOCUMENT:
                whole = True
            else:
                single.append(raw)
    return single, whole


class LiveDocument:
    """An Automerge document held in memory while peers use it."""

    __slots__ = ("_doc",)

    def __init__(self, doc: Document | None = None) -> None:
        self._doc = doc if doc is not None else Document()

    @classmethod
    def load(cls, data: bytes) -> "LiveDocument":
        """Load from a snapshot and/or concatenated change chunks, in any order."""
        try:
            return cls(Document.load(data))
        except BaseException as e:  # a Rust panic is a BaseException
            _reraise_if_fatal(e)
            raise SyncDataError(f"stored document does not load: {e}") from e

    @property
    def heads(self) -> list[bytes]:
        return list(self._doc.get_heads())

    @property
    def is_empty(self) -> bool:
        return not self._doc.get_heads()

    def receive(
        self,
        state: PeerSyncState,
        data: bytes,
        known: Callable[[bytes], bool] = lambda _: False,
    ) -> "Received":
        """Apply a peer's sync message to a copy of this document; this one never changes.

        The caller vets the copy's new changes and, only if it accepts them, makes the copy
        the live document (`Received.document`). Refusing is then simply dropping the copy:
        no undo (the binding's `fork_at` panics on ordinary multi-author histories, so
        nothing here depends on it). `state` is advanced as if the message was applied, so
        a refused peer's sync state must be discarded with its connection.

        Changes that wait for a dependency are held for the peer (`PeerSyncState.held`),
        offered again once one of the changes they wait for has arrived, and the copy
        returned never holds any of them. `known(hash)`: the change is in this document (a
        duplicate, not waiting).

        Raises SyncDataError for anything the binding raises, Rust panics included.
        """
        before = self._doc.get_heads()
        try:
            single, whole = _single_changes(message_changes(data))
            copy = self._doc.fork()
            copy.receive_sync_message(state._state, Message.decode(data))
            heads = copy.get_heads()
            changes = [] if heads == before else copy.get_changes(before)
            # Held changes are offered again only once something they wait for is here,
            # never on every message: a peer could otherwise make each of its messages
            # re-apply megabytes.
            arrived = _hashes(changes) if state.held else set()
            refed = any(h in arrived or known(h) for h in state.missing)
            if refed:
                copy.receive_sync_message(
                    SyncState(), _carrying([h.data for h in state.held.values()])
                )
                heads = copy.get_heads()
                changes = [] if heads == before else copy.get_changes(before)
            received = [
                ReceivedChange(
                    hash=bytes(c.hash),
                    actor=bytes(c.actor_id),
                    seq=c.seq,
                    data=bytes(c.raw_bytes),
                    change_time_ms=_change_time_ms(c),
                )
                for c in changes
            ]
            deps = {bytes(d) for c in changes for d in c.deps}
            written = [c.hash for c in received if c.hash not in deps]
            applied = {c.hash for c in received}
            queued = False
            if single and (whole or state.held or len(single) > len(received)):
                # Some of the message's changes may not have been applied: known, or waiting.
                queued = _hold(state, single, applied, known)
            if state.held and (refed or queued or applied):
                queued |= refed and any(h not in applied for h in state.held)
                _settle_held(state, applied, known)
            if queued:  # the copy queued changes: rebuild it from the applied ones only
                copy = self._doc.fork()
                if received:
                    copy.receive_sync_message(SyncState(), _carrying([c.data for c in received]))
                if copy.get_heads() != heads:
                    raise SyncDataError("the applied changes do not rebuild the same document")
        except SyncDataError:
            raise
        except BaseException as e:  # a Rust panic is a BaseException
            _reraise_if_fatal(e)
            raise SyncDataError(f"bad sync message: {e}") from e
        return Received(
            LiveDocument(copy), received, before, written, state.held_bytes, len(state.missing)
        )

    def touched(self, since: list[bytes]) -> list[Touch]:
        """Where the changes after `since` wrote, as paths in the document now (patches.py).

        Raises patches.PatchFormatError if the binding's patch text is not understood.
        """
        return self.diff(since, self._doc.get_heads())

    def diff(self, before: list[bytes], after: list[bytes]) -> list[Touch]:
        """Where going from heads `before` to heads `after` wrote, as paths at `after`.

        Raises patches.PatchFormatError for text it cannot parse and SyncDataError for
        anything the binding raises (a panic included).
        """
        try:
            found = self._doc.diff(before, after)
        except BaseException as e:  # a Rust panic is a BaseException
            _reraise_if_fatal(e)
            raise SyncDataError(f"could not diff the document: {e}") from e
        return [patches.parse(repr(p)) for p in found]

    def history(self) -> list[ChangeInfo]:
        """Every change of the document, dependencies first."""
        return [
            ChangeInfo(
                hash=bytes(c.hash),
                deps=tuple(bytes(d) for d in c.deps),
                actor=bytes(c.actor_id),
                seq=c.seq,
                start_op=c.start_op,
                max_op=c.max_op,
                time_ms=_change_time_ms(c),
            )
            for c in self._doc.get_changes([])
        ]

    def change_data(self) -> list[bytes]:
        """The bytes of every change of the document, one change chunk each.

        Dependencies first, in the order of `history()`.
        """
        return [bytes(c.raw_bytes) for c in self._doc.get_changes([])]

    def children(self, obj: bytes) -> list[tuple[str | None, str, ObjectRef]]:
        """The objects map or list `obj` holds now.

        Each as (the key, None in a list; "map", "list" or "text"; the object). Empty if
        `obj` holds none or is no such object.
        """
        try:
            keyed = obj == ROOT or self._doc.object_type(obj) == ObjType.Map
        except Exception:  # noqa: BLE001 - the binding raises bare Exception for an unknown id
            return []
        keys, values = self._entries(obj, None, keyed=keyed)
        found: list[tuple[str | None, str, ObjectRef]] = []
        for index, (kind, child) in enumerate(values):
            if isinstance(kind, ObjType):
                name = "map" if kind == ObjType.Map else "list" if kind == ObjType.List else "text"
                found.append((keys[index] if keyed else None, name, patches.object_ref(child)))
        return found

    def fields(self, obj: bytes, heads: list[bytes] | None = None) -> dict[str, object]:
        """The entries of map `obj` at `heads` (None: now).

        Scalars as they are, text objects as their content, other objects as ObjectRef. Empty
        if `obj` is not a map there. Heads must be known: the binding answers as if unknown
        ones were absent.
        """
        keys, values = self._entries(obj, heads, keyed=True)
        return {k: self._value(v, heads) for k, v in zip(keys, values, strict=True)}

    def elements(self, obj: bytes, heads: list[bytes] | None = None) -> list[object]:
        """The elements of list `obj` at `heads`, read as `fields` reads values."""
        return [self._value(v, heads) for v in self._entries(obj, heads, keyed=False)[1]]

    def typed_fields(self, obj: bytes, heads: list[bytes]) -> dict[str, Value]:
        """The entries of map `obj` at `heads`, with their types; empty if no such map."""
        keys, values = self._entries(obj, heads, keyed=True)
        return {k: self._typed(v, heads) for k, v in zip(keys, values, strict=True)}

    def typed_elements(self, obj: bytes, heads: list[bytes]) -> list[Value]:
        """The elements of list `obj` at `heads`, with their types; empty if no such list."""
        return [self._typed(v, heads) for v in self._entries(obj, heads, keyed=False)[1]]

    def _entries(
        self, obj: bytes, heads: list[bytes] | None, *, keyed: bool
    ) -> tuple[list[str], list[tuple[Any, bytes]]]:
        """Keys (if `keyed`) and raw values of `obj` at `heads`; both empty if no such object."""
        try:
            keys: list[str] = self._doc.keys(obj, heads) if keyed else []
            values: list[tuple[Any, bytes]] = self._doc.values(obj, heads)
        except Exception:  # noqa: BLE001 - the binding raises bare Exception for an unknown id
            return [], []
        return keys, values

    def length(self, obj: bytes, heads: list[bytes]) -> int:
        """How many entries map or list `obj` has at `heads` (0 if no such object)."""
        try:
            found: int = self._doc.length(obj, heads)
        except Exception:  # noqa: BLE001 - the binding raises bare Exception for an unknown id
            return 0
        return found

    def _typed(self, found: tuple[Any, bytes], heads: list[bytes]) -> Value:
        kind, obj = found
        if kind == ObjType.Text:
            return Value("text", self._doc.text(obj, heads))
        if isinstance(kind, ObjType):
            name = "map" if kind == ObjType.Map else "list"
            return Value(name, patches.object_ref(bytes(obj)))
        return Value(str(kind[0]).rsplit(".", 1)[-1].lower(), kind[1])

    def _value(self, found: tuple[Any, bytes], heads: list[bytes] | None) -> object:
        if found[0] == ObjType.Text:
            text: str = self._doc.text(found[1], heads)
            return text
        if isinstance(found[0], ObjType):
            return patches.object_ref(bytes(found[1]))
        value: tuple[object, object] = found[0]
        return value[1]

    def scalar(self, obj: bytes, key: str) -> object:
        """The value at `key` of map `obj` now: a scalar, or a text object's content.

        The JavaScript library stores every string as text. None if absent, another kind of
        object, or no such map.
        """
        found = self._get(obj, key)
        if found is None:
            return None
        if found[0] == ObjType.Text:
            text: str = self._doc.text(found[1])
            return text
        if isinstance(found[0], ObjType):
            return None
        value: tuple[object, object] = found[0]
        return value[1]

    def child(self, obj: bytes, key: str) -> ObjectRef | None:
        """The object at `key` of map `obj` now, or None."""
        found = self._get(obj, key)
        if found is None or not isinstance(found[0], ObjType):
            return None
        return patches.object_ref(bytes(found[1]))

    def _get(self, obj: bytes, key: str) -> tuple[Any, bytes] | None:
        try:
            found: tuple[Any, bytes] | None = self._doc.get(obj, key)
        except Exception:  # noqa: BLE001 - the binding raises bare Exception for an unknown id
            return None
        return found

    def generate(self, state: PeerSyncState) -> bytes | None:
        """The next sync message for a peer, or None when it is up to date.

        Raises SyncDataError for anything the binding raises (a panic included).
        """
        try:
            message = self._doc.generate_sync_message(state._state)
            data = None if message is None else bytes(message.encode())
            if data is not None and state.missing:
                data = _asking(data, state.missing)
            return data
        except BaseException as e:  # a Rust panic is a BaseException
            _reraise_if_fatal(e)
            raise SyncDataError(f"could not generate a sync message: {e}") from e

    def save(self) -> bytes:
        return bytes(self._doc.save())

    def add_changes(self, changes: Sequence[bytes]) -> None:
        """Apply `changes` (whose dependencies are here or among them) to this document.

        For building a large document a few changes per turn of the event loop (see
        `stored_changes`), never for a peer's changes: those are vetted on a copy first.
        Raises SyncDataError if the binding refuses them. A change whose dependency never
        comes would wait inside the document: the caller compares the heads at the end.
        """
        try:
            self._doc.receive_sync_message(SyncState(), _carrying(changes))
        except BaseException as e:  # a Rust panic is a BaseException
            _reraise_if_fatal(e)
            raise SyncDataError(f"stored changes do not apply: {e}") from e

    def without(self, hashes: set[bytes]) -> tuple["LiveDocument", list[tuple[bytes, bytes]]]:
        """This document rebuilt without the changes `hashes` and every change after them.

        Returns the rebuilt document and the (hash, bytes) of every change left out. Costs a
        load of the whole history: for repairs, never on a hot path.
        """
        left_out: set[bytes] = set()
        kept: list[bytes] = []
        removed: list[tuple[bytes, bytes]] = []
        for change in self._doc.get_changes([]):  # dependencies first
            hash_ = bytes(change.hash)
            if hash_ in hashes or any(bytes(d) in left_out for d in change.deps):
                left_out.add(hash_)
                removed.append((hash_, bytes(change.raw_bytes)))
            else:
                kept.append(bytes(change.raw_bytes))
        return (LiveDocument.load(b"".join(kept)) if kept else LiveDocument()), removed

    def change_hashes(self) -> set[bytes]:
        """The hash of every change in the document (its whole history)."""
        return {bytes(c.hash) for c in self._doc.get_changes([])}

    def to_json(self) -> dict[str, Any]:
        """The document now, as plain JSON: maps, lists, text as strings, and scalars.

        Bytes become base64 strings, timestamps ISO 8601 (UTC), non-finite floats and values
        the binding cannot read null. The walk uses a stack, not recursion, so a deeply
        nested document cannot exhaust Python's recursion limit.
        """
        root: dict[str, Any] = {}
        todo: list[tuple[bytes, dict[str, Any] | list[Any]]] = [(ROOT, root)]
        while todo:
            obj, into = todo.pop()
            if isinstance(into, dict):
                for key in self._doc.keys(obj):
                    found = self._doc.get(obj, key)
                    if found is not None:
                        into[key] = self._json(found, todo)
            else:
                into.extend(self._json(found, todo) for found in self._doc.values(obj))
        return root

    def _json(
        self, found: tuple[Any, bytes], todo: list[tuple[bytes, dict[str, Any] | list[Any]]]
    ) -> Any:
        value, obj = found
        if value == ObjType.Text:
            return self._doc.text(obj)
        if value in (ObjType.Map, ObjType.List):
            child: dict[str, Any] | list[Any] = {} if value == ObjType.Map else []
            todo.append((obj, child))
            return child
        return _json_scalar(value[0], value[1])


def _json_scalar(kind: object, value: object) -> object:
    if kind == ScalarType.Bytes and isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if kind == ScalarType.Timestamp and isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return None  # ScalarType.Unknown: a type from a newer Automerge


def _readable(read: Callable[[bytes], _T], data: bytes) -> _T:
    """`read(data)`, with a chunk that does not parse reported as bad sync data."""
    try:
        return read(data)
    except chunks.ChunkError as e:
        raise SyncDataError(f"a change in the message is not readable: {e}") from e


def _hashes(changes: list[Any]) -> set[bytes]:
    return {bytes(c.hash) for c in changes}


def _hold(
    state: PeerSyncState, single: list[bytes], applied: set[bytes], known: Callable[[bytes], bool]
) -> bool:
    """Hold the message's changes that were neither applied nor known; True if any."""
    queued = False
    for change in single:
        chunk = _readable(chunks.split, change)[0]
        if chunk.hash in applied or chunk.hash in state.held or known(chunk.hash):
            continue
        state.held[chunk.hash] = Held(chunk.raw, chunk.deps)
        queued = True
    return queued


def _settle_held(state: PeerSyncState, applied: set[bytes], known: Callable[[bytes], bool]) -> None:
    """Drop the held changes just applied, and work out what the rest wait for."""
    for hash_ in applied & state.held.keys():
        del state.held[hash_]
    state.missing = frozenset(
        dep
        for held in state.held.values()
        for dep in held.deps
        if dep not in state.held and dep not in applied and not known(dep)
    )


class StoredChanges(msgspec.Struct, frozen=True):
    """A stored document taken apart: its changes, dependencies first, and its heads."""

    changes: list[bytes]
    heads: list[bytes]


def stored_changes(data: bytes) -> StoredChanges:
    """Every change of a stored document (snapshot and logged changes), dependencies first.

    Run in the document worker process (`server/sync/worker.py`): loading is the binding's
    costliest call and holds the GIL throughout, so for a large document the server's loop
    receives these and applies them a few at a time (`LiveDocument.add_changes`).
    """
    try:
        doc = Document.load(data)
        changes = [bytes(c.raw_bytes) for c in doc.get_changes([])]
        return StoredChanges(changes, [bytes(h) for h in doc.get_heads()])
    except BaseException as e:  # a Rust panic is a BaseException
        _reraise_if_fatal(e)
        raise SyncDataError(f"stored document does not load: {e}") from e


def compacted(data: bytes) -> bytes:
    """A stored document's bytes saved as one snapshot (run in the document worker process)."""
    try:
        return bytes(Document.load(data).save())
    except BaseException as e:  # a Rust panic is a BaseException
        _reraise_if_fatal(e)
        raise SyncDataError(f"stored document does not load: {e}") from e


def _asking(data: bytes, extra: frozenset[bytes]) -> bytes:
    """A sync message that also asks (`need`) for `extra`; the rest is copied unchanged."""
    heads, pos = leb128.decode(data, 1)
    need_at = pos + 32 * heads
    count, pos = leb128.decode(data, need_at)
    need = [data[pos + 32 * i : pos + 32 * (i + 1)] for i in range(count)]
    rest = pos + 32 * count
    need += sorted(extra - set(need))
    return data[:need_at] + leb128.encode(len(need)) + b"".join(need) + data[rest:]


def _reraise_if_fatal(error: BaseException) -> None:
    """Let through what must stop the process; everything else the binding raised is data.

    pyo3 turns a Rust panic into `PanicException`, a BaseException, so `except Exception`
    alone lets a malformed message escape every handler.
    """
    if isinstance(error, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise error


_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - the binding's datetimes are naive UTC
_ONE_MS = timedelta(milliseconds=1)


def _change_time_ms(change: Any) -> int:
    """A change's own time in milliseconds since the epoch; 0 when it has none.

    Automerge stores whole seconds since the epoch (the JS `change` option `time`: "the unix
    timestamp (in seconds)"; `Date.now() / 1000` by default), 0 when no time was recorded
    (the Python binding's transactions record none). The binding turns that integer into a
    naive datetime as if it counted milliseconds, so a change made now reads as January
    1970: the integer is recovered exactly and scaled. A time before 1970 or beyond what a
    datetime holds (year 9999) says nothing true either and is also 0; so is one the binding
    cannot represent at all (it raises ValueError beyond year 9999 read as milliseconds).
    """
    try:
        timestamp: datetime = change.timestamp
    except ValueError:
        return 0
    seconds = (timestamp.replace(tzinfo=None) - _EPOCH) // _ONE_MS
    return seconds * 1000 if 0 < seconds <= clock.MAX_SECONDS else 0
