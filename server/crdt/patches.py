"""What a set of changes touched, read from the binding's patches as plain paths.

automerge==0.2.0.dev4 exposes a diff's patches only through their Rust `Debug` text, e.g.
`Patch { obj: Id(5, ActorID("ad70…"), 0), path: [(Root, Map("sections")), …], action:
PutMap { key: "id", value: …, conflict: false } }`. Only the part up to the action's key or
index is parsed; every string in it is Rust-escaped, so no key can end early or fake the
structure. Text that does not parse raises PatchFormatError: callers refuse, never guess.
"""

import re

import msgspec

from server.crdt import leb128

_OBJ = r'(?:Root|Id\((\d+), ActorID\("([0-9a-f]*)"\), (\d+)\))'
_STR = r'"((?:[^"\\]|\\.)*)"'
_HEAD = re.compile(r"Patch \{ obj: " + _OBJ + r", path: \[")
_ELEMENT = re.compile(r"\(" + _OBJ + r", (?:Map\(" + _STR + r"\)|Seq\((\d+)\))\)(?:, )?")
_ACTION = re.compile(
    r"\], action: (\w+) \{ (?:(?:key|index|prop): (?:"
    + _STR
    + r"|(\d+)|Map\("
    + _STR
    + r"\)|Seq\((\d+)\))[,} ])?"
)
_ESCAPE = re.compile(r"\\(u\{([0-9a-f]{1,6})\}|.)")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
_ACTIONS = {
    "PutMap": "put",
    "PutSeq": "put",
    "Insert": "insert",
    "SpliceText": "splice",
    "DeleteMap": "delete",
    "DeleteSeq": "delete",
    "Increment": "increment",
    "Conflict": "conflict",
    "Mark": "mark",
}

ROOT_ID = b"\x00"


class PatchFormatError(ValueError):
    """A patch's text is not in the format this module knows."""


class ObjectRef(msgspec.Struct, frozen=True):
    id: bytes
    """The binding's object id, as `put_object` returns it and `get` accepts it."""
    actor: bytes
    """The actor whose operation created the object; empty for the root."""


ROOT_REF = ObjectRef(ROOT_ID, b"")


class Touch(msgspec.Struct, frozen=True):
    """One place the changes wrote to, in terms of the document after them."""

    path: tuple[str | int, ...]
    """Map keys and list indices from the root to the key or index written (for a mark:
    the marked text)."""
    action: str
    """put, insert, splice, delete, increment, conflict or mark."""
    objects: tuple[ObjectRef, ...]
    """The object holding each element of `path` (`objects[0]` is the root)."""
    made: ObjectRef | None = None
    """The map a put or insert made, for touches read from operations (object_paths.py);
    a list position in their `path` is -1: operations name list elements by id, and no rule
    reads the position."""


def parse(text: str) -> Touch:
    head = _HEAD.match(text)
    if head is None:
        raise PatchFormatError(text[:200])
    target = _object(head.group(1), head.group(2), head.group(3))
    path: list[str | int] = []
    objects: list[ObjectRef] = []
    pos = head.end()
    while (element := _ELEMENT.match(text, pos)) is not None:
        counter, actor, index, key, seq = element.groups()
        objects.append(_object(counter, actor, index))
        path.append(_unescape(key) if key is not None else int(seq))
        pos = element.end()
    action = _ACTION.match(text, pos)
    if action is None or action.group(1) not in _ACTIONS:
        raise PatchFormatError(text[:200])
    name, key, index, prop_key, prop_seq = action.groups()
    if key is not None or prop_key is not None:
        path.append(_unescape(key if key is not None else prop_key))
        objects.append(target)
    elif index is not None or prop_seq is not None:
        path.append(int(index if index is not None else prop_seq))
        objects.append(target)
    elif name != "Mark":
        raise PatchFormatError(text[:200])
    return Touch(tuple(path), _ACTIONS[name], tuple(objects))


def object_ref(raw: bytes) -> ObjectRef:
    """The creator of an object id in the binding's byte form (see `_object`)."""
    if raw == ROOT_ID:
        return ROOT_REF
    length, start = leb128.decode(raw, 1)
    return ObjectRef(raw, raw[start : start + length])


def _object(counter: str | None, actor: str | None, index: str | None) -> ObjectRef:
    if counter is None or actor is None or index is None:
        return ROOT_REF
    actor_bytes = bytes.fromhex(actor)
    # ExId::to_bytes: tag 0x10, actor length, actor, actor index, counter (LEB128s).
    raw = (
        b"\x10"
        + leb128.encode(len(actor_bytes))
        + actor_bytes
        + leb128.encode(int(index))
        + leb128.encode(int(counter))
    )
    return ObjectRef(raw, actor_bytes)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(
        lambda m: chr(int(m.group(2), 16)) if m.group(2) else _ESCAPES.get(m.group(1), "\ufffd"),
        text,
    )


def object_counter(ref: ObjectRef) -> int:
    """The counter of the operation that created an object (its id is `counter@actor`).

    The change holding that operation is the actor's change with start_op <= counter <= max_op.
    """
    if not ref.actor:
        return 0
    # The layout written by object_ref: tag, actor length, actor, actor index, counter.
    _, pos = leb128.decode(ref.id, 1)
    _, pos = leb128.decode(ref.id, pos + len(ref.actor))
    counter, _ = leb128.decode(ref.id, pos)
    return counter
