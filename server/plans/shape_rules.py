"""The shape of what a plan document holds, checked for every writer, the person included.

`plans/write_rules.py` says where a role may write; this module says what may be written
there (docs/plan-document.md, "What the server accepts"), so that no one phone can make a
plan unreadable for everyone. Only the objects a message's changes touched are read
(`object_paths.change_touches`, the same touches the write rules use), never the whole
document:

- the root's `schema` (1), `audience` (the document's), `sections` (a map of lists, one per
  section of this audience) and `proposals` (a list) are written only in a new document;
- items and proposals are maps, inserted and then changed inside, never deleted or replaced
  (removal is soft); a new one has all its required fields, and no field it may not have;
- field types and bounds (`plans/plan_fields.py`): text at most `MAX_TEXT` characters (the
  app's limit), a phone number at most `MAX_PHONE` characters on one line, ids at most
  `MAX_ID` characters of [A-Za-z0-9_-], times numbers, `edit`/`removed` maps holding only
  `at`, decisions and sign-offs as the app writes them; `id`, `made`, `section` and
  `fromProposal` never change;
- a sign-off (a review-log item carrying `signoff`) is written with its own new item and,
  once stored, nothing in that item changes (no edit, no removal).

Values are read as the writer left them (`Received.written`: the heads of their changes), not
merged with what others wrote concurrently: two concurrent edits of one text, each within the
limit, may merge into a longer one, and an app that kept the limits must never be refused
for that (a refused change is refused again on every reconnect).
"""

import functools
from typing import Protocol

from server.crdt.engine import Value
from server.crdt.patches import ObjectRef, Touch, object_counter
from server.plans import plan_fields
from server.plans.template import plan_template

_ROOT_KEYS = frozenset({"schema", "audience", "sections", "proposals"})
_WRITTEN_ONCE = frozenset({"id", "made", "section", "fromProposal"})


class DocumentView(Protocol):
    """The document after the changes (implemented by `LiveDocument`)."""

    def typed_fields(self, obj: bytes, heads: list[bytes]) -> dict[str, Value]: ...

    def typed_elements(self, obj: bytes, heads: list[bytes]) -> list[Value]: ...

    def length(self, obj: bytes, heads: list[bytes]) -> int: ...


def refusal(
    audience_kind: str,
    doc: DocumentView,
    touches: list[Touch],
    *,
    before: list[bytes],
    written: list[bytes],
) -> str | None:
    """Why what the changes wrote does not fit a plan document, or None.

    `touches`: where the changes after `before` wrote (`LiveDocument.touched(before)`);
    `written`: the heads of those changes.
    """
    shape = _Shape(audience_kind, doc, before, written, touches)
    for touch in touches:
        broken = shape.check(touch)
        if broken is not None:
            return broken
    return None


class _Shape:
    def __init__(
        self,
        kind: str,
        doc: DocumentView,
        before: list[bytes],
        written: list[bytes],
        touches: list[Touch],
    ) -> None:
        self.kind = kind
        self.doc = doc
        self.before = before
        self.written = written
        self.sections = _sections_of(kind)
        self._new: dict[bytes, frozenset[tuple[int, bytes]] | None] = {}  # list -> new maps
        self._checked: set[tuple[bytes, str | None]] = set()
        self._fields: dict[bytes, dict[str, Value]] = {}
        self._made = _made_maps(touches)

    def fields(self, obj: bytes) -> dict[str, Value]:
        """The entries of map `obj` as the writer left them (read once per message)."""
        found = self._fields.get(obj)
        if found is None:
            found = self._fields[obj] = self.doc.typed_fields(obj, self.written)
        return found

    def elements(self, obj: bytes) -> list[Value]:
        return self.doc.typed_elements(obj, self.written)

    def length(self, obj: bytes) -> int:
        return self.doc.length(obj, self.written)

    def check(self, touch: Touch) -> str | None:
        if touch.action in ("mark", "increment", "table", "unknown"):
            return f"a plan document holds no {touch.action}s"
        path = touch.path
        head = path[0] if path else None
        if len(path) == 1 or head == "audience":  # the app writes `audience` as text
            return self._root(touch)
        if head == "sections":
            return self._section(touch)
        if head == "proposals":
            return self._entries(touch, ("proposals",), plan_fields.PROPOSAL)
        return f"a plan document holds only schema, audience, sections and proposals ({head!r})"

    def _root(self, touch: Touch) -> str | None:
        key = touch.path[0]
        if self.before:
            return f"the document's root is written only when it is created ({key!r})"
        if key not in _ROOT_KEYS or touch.action not in ("put", "conflict", "splice"):
            return f"a plan document holds only schema, audience, sections and proposals ({key!r})"
        assert isinstance(key, str)  # noqa: S101 - _ROOT_KEYS holds only strings
        value = self.fields(touch.objects[0].id).get(key)
        if value is None:
            return None
        if key == "schema" and not (value.kind in ("int", "uint") and value.content == 1):
            return "a plan document's schema is 1"
        if key == "audience" and not (value.kind in ("text", "str") and value.content == self.kind):
            return f"this document's audience is {self.kind!r}"
        wanted = {"sections": "map", "proposals": "list"}.get(key, value.kind)
        if value.kind != wanted:
            return f"a plan document's {key} is a {wanted}"
        return None

    def _section(self, touch: Touch) -> str | None:
        sid = touch.path[1]
        if sid not in self.sections:
            return f"section {sid} is not part of this document"
        if len(touch.path) > 2:  # sections.<sid>.<index>...
            rules = plan_fields.REVIEW_ITEM if sid == plan_fields.REVIEW_LOG else plan_fields.ITEM
            return self._entries(touch, ("sections", sid), rules)
        if self.before or touch.action not in ("put", "conflict"):
            return f"the list of section {sid} is written only when the document is created"
        value = self.fields(touch.objects[1].id).get(str(sid))
        if value is not None and value.kind != "list":
            return f"section {sid} is a list of items"
        return None

    def _entries(
        self, touch: Touch, where: tuple[str, ...], rules: plan_fields.Entry
    ) -> str | None:
        """A touch inside the list of items (or proposals) at `where`."""
        depth = len(where)
        listed = touch.objects[depth]
        if len(touch.path) == depth + 1:
            if touch.action == "insert":
                return self._new_entries(listed, rules)
            if touch.action == "delete":
                return f"{rules.plural} are never deleted (removal is soft)"
            return f"{rules.plural} are added, never replaced"
        entry = touch.objects[depth + 1]
        if self.doc.length(entry.id, self.before) == 0:  # not stored before: maybe new
            new = self._new_elements(listed)
            if new is None or _identity(entry) in new:
                return self._new_entries(listed, rules)
        key = touch.path[depth + 1]
        if (entry.id, str(key)) in self._checked:
            return None
        self._checked.add((entry.id, str(key)))
        stored = self.doc.typed_fields(entry.id, self.before) if rules.immutable else {}
        if "signoff" in stored:
            return "a sign-off is never changed or removed once stored"
        return self._field(entry, str(key), rules)

    def _field(self, entry: ObjectRef, key: str, rules: plan_fields.Entry) -> str | None:
        """One field of an entry that was already stored."""
        if key in _WRITTEN_ONCE:
            return f"{rules.article}'s {key} never changes"
        if key == "signoff":
            return "a sign-off is written with a new review-log item"
        check = rules.fields.get(key)
        if check is None:
            return f"{rules.article} has no field {key!r}"
        value = self.fields(entry.id).get(key)
        if value is None:
            return None if key not in rules.required else f"{rules.article} keeps its {key}"
        return check(value, self)

    def _new_entries(self, listed: ObjectRef, rules: plan_fields.Entry) -> str | None:
        """Every element the changes added to the list: complete, and nothing else."""
        if (listed.id, None) in self._checked:
            return None
        self._checked.add((listed.id, None))
        new = self._new_elements(listed)
        if new is None:
            return f"{rules.plural} are maps"
        made = self._made.get(listed.id)
        if made:  # read from operations: the new maps are known, the list is not read
            elements = [Value("map", ref) for ref in made]
        else:
            found = self.doc.typed_elements(listed.id, self.written)
            elements = [e for e in found if _map_id(e) in new]
        for element in elements:
            broken = plan_fields.check_map(
                element, rules.fields, rules.required, rules.article, self
            )
            if broken is not None:
                return broken
        return None

    def _new_elements(self, listed: ObjectRef) -> frozenset[tuple[int, bytes]] | None:
        """The ids of the maps the changes added to the list; None if they added others.

        Values other than maps have no id to tell old from new, so they are counted.
        """
        made = self._made.get(listed.id)
        if made and listed.id not in self._new:
            self._new[listed.id] = frozenset(_identity(ref) for ref in made)
        if listed.id not in self._new:
            old = [_map_id(v) for v in self.doc.typed_elements(listed.id, self.before)]
            now = [_map_id(v) for v in self.doc.typed_elements(listed.id, self.written)]
            more_others = now.count(None) > old.count(None)
            known = set(old)
            added = frozenset(i for i in now if i is not None and i not in known)
            self._new[listed.id] = None if more_others else added
        return self._new[listed.id]


def _made_maps(touches: list[Touch]) -> dict[bytes, list[ObjectRef] | None]:
    """List id -> the maps inserted into it, when the touches say (read from operations).

    None for a list that also got something else, or whose touches do not say (the diff's):
    the list is then compared before and after (`_new_elements`).
    """
    made: dict[bytes, list[ObjectRef] | None] = {}
    for touch in touches:
        if touch.action != "insert":
            continue
        listed = touch.objects[-1].id
        refs = made.setdefault(listed, [])
        if touch.made is None or refs is None:
            made[listed] = None
        else:
            refs.append(touch.made)
    return made


def _map_id(value: Value) -> tuple[int, bytes] | None:
    """The identity of a map (None for anything else)."""
    if value.kind == "map" and isinstance(value.content, ObjectRef):
        return _identity(value.content)
    return None


def _identity(ref: ObjectRef) -> tuple[int, bytes]:
    """An object's creating operation, `counter@actor`.

    Unlike its id in the binding's form, which numbers the actor by its place among the
    document's actors, this never changes (and touches read from operations number unknown
    actors 0).
    """
    return object_counter(ref), ref.actor


@functools.cache
def _sections_of(kind: str) -> frozenset[str]:
    return frozenset(s.id for s in plan_template().sections if s.audience == kind)
