"""Where each object of a document sits, and where a change's own operations wrote.

An Automerge object never moves: the operation that makes it (makeMap, makeList, makeText at
a key of a map or an element of a list) fixes its parent forever, and the object's id is that
operation's id. So an index from object id to (parent, key) is built once, from the document
(`ObjectPaths.of_document`, the objects it shows) or from its history (`of_changes`, every
object ever made), and then only grows with the make operations of each new change.

With it, what a change did is read from the change alone (`change_ops`): each operation names
the object it writes, whose path from the root the index gives in a few steps. So vetting a
message costs its own operations, not the document (a diff of the whole document did; see
docs/decisions.md). `change_touches` turns operations into the same `Touch` records the
binding's diff gives (patches.py), read by the write and shape rules.
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from server.crdt import leb128
from server.crdt.change_ops import (
    DELETE,
    INCREMENT,
    MAKE_LIST,
    MAKE_MAP,
    MAKE_TABLE,
    MAKE_TEXT,
    MAKES,
    MARK,
    Change,
    ChangeOpsError,
    Op,
    OpId,
)
from server.crdt.engine import LiveDocument
from server.crdt.patches import ROOT_REF, ObjectRef, Touch, object_counter

MAX_DEPTH = 32
"""Deeper objects are not followed (a plan document is five levels deep)."""
_KINDS = {MAKE_MAP: "map", MAKE_LIST: "list", MAKE_TEXT: "text", MAKE_TABLE: "table"}


class Node(NamedTuple):
    parent: OpId | None
    """None: the root."""
    key: str | None
    """The key in the parent map; None in a list."""
    kind: str
    """map, list, text or table."""
    ref: ObjectRef


def op_id(ref: ObjectRef) -> OpId | None:
    """The id of the operation that made an object (None for the root)."""
    return OpId(object_counter(ref), ref.actor) if ref.actor else None


class ObjectPaths:
    """The parent and key of each object of one document at `heads`."""

    __slots__ = ("_actors", "_base", "_nodes", "heads")

    def __init__(
        self,
        heads: Sequence[bytes],
        actors: Sequence[bytes] = (),
        base: "ObjectPaths | None" = None,
    ) -> None:
        self.heads = list(heads)
        self._nodes: dict[OpId, Node] = {}
        self._base = base
        self._actors = {a: i for i, a in enumerate(actors)}
        """The document's actors, in order (the binding numbers them so in object ids);
        unknown ones are numbered 0, which the binding accepts too."""

    @classmethod
    def of_document(cls, doc: LiveDocument) -> "ObjectPaths":
        """The objects `doc` shows now (a walk of its maps and lists, not of its texts)."""
        paths = cls(doc.heads)
        todo: list[tuple[OpId | None, ObjectRef]] = [(None, ROOT_REF)]
        while todo:
            parent, ref = todo.pop()
            for key, kind, child in doc.children(ref.id):
                child_id = op_id(child)
                if child_id is None or child_id in paths._nodes:
                    continue
                paths._nodes[child_id] = Node(parent, key, kind, child)
                if kind != "text":
                    todo.append((child_id, child))
        return paths

    @classmethod
    def of_changes(cls, changes: Iterable[Change], heads: Sequence[bytes]) -> "ObjectPaths":
        """Every object the changes made (the whole history: those no longer shown too)."""
        changes = list(changes)
        actors = sorted({c.actor for c in changes} | {a for c in changes for a in c.other_actors})
        paths = cls(heads, actors)
        for change in changes:
            for op in change.ops:
                if op.action in MAKES:
                    paths.add(op)
        return paths

    def get(self, obj: OpId) -> Node | None:
        found = self._nodes.get(obj)
        if found is None and self._base is not None:
            return self._base.get(obj)
        return found

    def add(self, op: Op) -> None:
        """Record the object a make operation made."""
        key = op.key if isinstance(op.key, str) and not op.insert else None
        self._nodes[op.id] = Node(op.obj, key, _KINDS[op.action], self.ref(op.id))

    def ref(self, obj: OpId) -> ObjectRef:
        """The object `obj` as the binding names it."""
        known = self.get(obj)
        if known is not None:
            return known.ref
        index = self._actors.get(obj.actor, 0)
        raw = b"\x10" + leb128.encode(len(obj.actor)) + obj.actor
        return ObjectRef(raw + leb128.encode(index) + leb128.encode(obj.counter), obj.actor)

    def chain(self, obj: OpId | None) -> list[Node] | None:
        """The objects from the root's child down to `obj` ([] for the root).

        None if one is unknown or the chain is deeper than MAX_DEPTH.
        """
        found: list[Node] = []
        while obj is not None:
            node = self.get(obj)
            if node is None or len(found) >= MAX_DEPTH:
                return None
            found.append(node)
            obj = node.parent
        found.reverse()
        return found

    def after(self, heads: Sequence[bytes]) -> "ObjectPaths":
        """A layer over this index for changes not yet accepted; `settled` folds it in."""
        layer = ObjectPaths(heads, base=self)
        layer._actors = self._actors
        return layer

    def settled(self) -> "ObjectPaths":
        """This layer folded into the index under it (once its changes were accepted)."""
        if self._base is None:
            return self
        base = self._base.settled()
        base._nodes.update(self._nodes)
        base.heads = self.heads
        return base


class PathsCache:
    """The index of one live document, kept from one message to the next (the hub).

    A message's changes are indexed in a layer (`offer`) that is folded in only when the
    live document has become what they made (its heads are the layer's): a refused change
    never enters the index. Any other way the document changes (a reload, a repair) shows
    as heads the cache does not know, and the index is built again.
    """

    __slots__ = ("_known", "_offered")

    def __init__(self) -> None:
        self._known: ObjectPaths | None = None
        self._offered: ObjectPaths | None = None

    def at(self, doc: LiveDocument) -> ObjectPaths:
        """The index of `doc` (the live document)."""
        heads = doc.heads
        if self._known is not None and self._known.heads == heads:
            return self._known
        if self._offered is not None and self._offered.heads == heads:
            self._known = self._offered.settled()
        else:
            self._known = ObjectPaths.of_document(doc)
        self._offered = None
        return self._known

    def offer(self, layer: ObjectPaths) -> None:
        self._offered = layer


def change_touches(paths: ObjectPaths, changes: Iterable[Change]) -> list[Touch] | None:
    """Where the changes wrote, as the binding's diff would name it.

    The objects they make are added to `paths`. None if one writes to an object `paths`
    does not know (one the document no longer shows): the caller then diffs.

    Raises ChangeOpsError for an operation no Automerge document holds.
    """
    touches: dict[Touch, None] = {}
    seen: set[tuple[OpId | None, str, str | None]] = set()
    for change in changes:
        for op in change.ops:
            chain = paths.chain(op.obj)
            if chain is None:
                return None
            touch = _touch(op, chain, paths, seen)
            if touch is not None:
                touches.setdefault(touch)
            if op.action in MAKES:
                paths.add(op)
    return list(touches)


def _touch(
    op: Op, chain: list[Node], paths: ObjectPaths, seen: set[tuple[OpId | None, str, str | None]]
) -> Touch | None:
    """Where one operation wrote; None if an earlier one of the message wrote the same."""
    kind = chain[-1].kind if chain else "map"
    action = _action(op, kind)
    key = _key(op, kind)
    made = paths.ref(op.id) if op.action == MAKE_MAP else None
    if made is None and (op.obj, action, key) in seen:
        return None  # one more character of the same text, say
    seen.add((op.obj, action, key))
    path = (*(n.key if n.key is not None else -1 for n in chain), -1 if key is None else key)
    return Touch(path, action, (ROOT_REF, *(n.ref for n in chain)), made)


def _key(op: Op, kind: str) -> str | None:
    if kind != "map":
        return None
    if not isinstance(op.key, str):
        raise ChangeOpsError("an operation on a map names no key")
    return op.key


def _action(op: Op, kind: str) -> str:
    """The name patches.py gives what the operation did (put, insert, splice, delete, ...)."""
    if op.action == DELETE:
        return "delete"
    if op.action == INCREMENT:
        return "increment"
    if op.action == MARK:
        return "mark"
    if op.action == MAKE_TABLE:
        return "table"
    if op.action > MARK:
        return "unknown"
    if kind == "text":
        return "splice"
    return "insert" if op.insert and kind != "map" else "put"
