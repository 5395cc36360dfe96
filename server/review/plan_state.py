"""A plan document's items and proposals at any heads, as plain values (docs/plan-document.md).

Reads through `LiveDocument` (every string is Automerge text; `fields` returns its content).
Items and proposals are identified by their Automerge object id, which never changes; their
`id` field is what the API shows.
"""

import msgspec

from server.crdt.change_ops import Change, ChangeOpsError, decode
from server.crdt.engine import ChangeInfo, LiveDocument
from server.crdt.object_paths import ObjectPaths
from server.crdt.patches import ROOT_ID, ObjectRef
from server.review.change_targets import ALL, targets

Heads = list[bytes] | None
"""None: the document now."""


class ItemState(msgspec.Struct, frozen=True, kw_only=True):
    obj: bytes
    id: str
    section: str
    text: str
    phone: str | None
    removed: bool
    from_proposal: str | None
    signoff: ObjectRef | None
    """The `signoff` map (review-log items): its creator is the reviewer."""


class ProposalState(msgspec.Struct, frozen=True, kw_only=True):
    obj: bytes
    id: str
    section: str
    text: str
    phone: str | None
    decision: str | None
    """accepted, declined or withdrawn; None while pending."""


State = ItemState | ProposalState


class Effect(msgspec.Struct, frozen=True):
    """One item or proposal a change touched: just before it (at its deps) and just after."""

    before: State | None
    after: State | None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _ref(value: object) -> ObjectRef | None:
    return value if isinstance(value, ObjectRef) else None


class PlanReader:
    """Reads one plan document; its history is read once."""

    def __init__(self, doc: LiveDocument) -> None:
        self.doc = doc
        self._history: list[ChangeInfo] | None = None
        self._decoded: tuple[dict[bytes, Change], ObjectPaths] | None = None
        self._items: dict[tuple[bytes, str, tuple[bytes, ...]], ItemState | None] = {}

    @property
    def history(self) -> list[ChangeInfo]:
        if self._history is None:
            self._history = self.doc.history()
        return self._history

    def item(self, obj: bytes, section: str, heads: Heads = None) -> ItemState | None:
        if heads is None:
            return self._item(obj, section, heads)
        # A change made right after another on the same device starts where it ended: its
        # item before is the other's item after, read once (each read at heads costs the
        # binding a walk of the history).
        key = (obj, section, tuple(sorted(heads)))
        if key not in self._items:
            self._items[key] = self._item(obj, section, heads)
        return self._items[key]

    def _item(self, obj: bytes, section: str, heads: Heads) -> ItemState | None:
        f = self.doc.fields(obj, heads)
        if not f:
            return None
        return ItemState(
            obj=obj,
            id=_str(f.get("id")) or obj.hex(),
            section=section,
            text=_str(f.get("text")) or "",
            phone=_str(f.get("phone")),
            removed=f.get("removed") is not None,
            from_proposal=_str(f.get("fromProposal")),
            signoff=_ref(f.get("signoff")),
        )

    def proposal(self, obj: bytes, heads: Heads = None) -> ProposalState | None:
        f = self.doc.fields(obj, heads)
        if not f:
            return None
        decision = _ref(f.get("decision"))
        state = None if decision is None else self.doc.fields(decision.id, heads).get("state")
        return ProposalState(
            obj=obj,
            id=_str(f.get("id")) or obj.hex(),
            section=_str(f.get("section")) or "",
            text=_str(f.get("text")) or "",
            phone=_str(f.get("phone")),
            decision=_str(state) if decision is not None else None,
        )

    def section_items(self, section: str, heads: Heads = None) -> list[ItemState]:
        sections = _ref(self.doc.fields(ROOT_ID, heads).get("sections"))
        items = None if sections is None else _ref(self.doc.fields(sections.id, heads).get(section))
        if items is None:
            return []
        found = (self.item(e.id, section, heads) for e in self._refs(items.id, heads))
        return [i for i in found if i is not None]

    def effects(self, change: ChangeInfo) -> list[Effect]:
        """The items and proposals `change` touched, in the order its operations name them.

        Read from the change's own operations (change_targets.py); from a diff of the
        document at its deps and after it only if they cannot be read.
        """
        before, after = list(change.deps), [change.hash]
        changes, paths = self._operations()
        decoded = changes.get(change.hash)
        found = None if decoded is None else targets(decoded, paths)
        if found is None:
            return self._diff_effects(change)
        items = dict(found.items)
        for section in self._section_ids(found.sections, before, after):
            for item in self.section_items(section, before) + self.section_items(section, after):
                items.setdefault(item.obj, section)
        proposals = dict(found.proposals)
        if found.all_proposals:
            for ref in self._proposal_refs(before) + self._proposal_refs(after):
                proposals.setdefault(ref.id)
        return self._states(items, proposals, before, after)

    def _operations(self) -> tuple[dict[bytes, Change], ObjectPaths]:
        """Every change decoded, by hash, and the index of every object they made.

        Costs the whole history once (then each change costs its own operations). A change
        that does not decode is left out: its effects come from a diff.
        """
        if self._decoded is None:
            changes: dict[bytes, Change] = {}
            for info, data in zip(self.history, self.doc.change_data(), strict=True):
                try:
                    changes[info.hash] = decode(data)
                except ChangeOpsError:
                    continue
            paths = ObjectPaths.of_changes(changes.values(), self.doc.heads)
            self._decoded = changes, paths
        return self._decoded

    def _states(
        self, items: dict[bytes, str], proposals: dict[bytes, None], before: Heads, after: Heads
    ) -> list[Effect]:
        return [
            Effect(self.item(obj, s, before), self.item(obj, s, after)) for obj, s in items.items()
        ] + [Effect(self.proposal(obj, before), self.proposal(obj, after)) for obj in proposals]

    def _diff_effects(self, change: ChangeInfo) -> list[Effect]:
        """`effects` from the binding's diff: what it costs grows with the document."""
        before, after = list(change.deps), [change.hash]
        items: dict[bytes, str] = {}
        proposals: dict[bytes, None] = {}
        for touch in self.doc.diff(before, after):
            path, objects = touch.path, touch.objects
            if not path:
                continue
            if path[0] == "sections" and len(path) >= 4:
                items.setdefault(objects[3].id, str(path[1]))
            elif path[0] == "sections":  # a section list itself (a new item, a deletion)
                for section in self._section_ids(
                    {str(path[1]) if len(path) >= 2 else ALL}, before, after
                ):
                    for item in self.section_items(section, before) + self.section_items(
                        section, after
                    ):
                        items.setdefault(item.obj, section)
            elif path[0] == "proposals" and len(path) >= 3:
                proposals.setdefault(objects[2].id)
            elif path[0] == "proposals":
                for ref in self._proposal_refs(before) + self._proposal_refs(after):
                    proposals.setdefault(ref.id)
        return self._states(items, proposals, before, after)

    def _section_ids(self, sections: set[str], before: Heads, after: Heads) -> list[str]:
        """The sections named, or every section (at either heads) if ALL is among them."""
        if ALL not in sections:
            return sorted(sections)
        ids: dict[str, None] = {}
        for heads in (before, after):
            found = _ref(self.doc.fields(ROOT_ID, heads).get("sections"))
            if found is not None:
                ids.update(dict.fromkeys(self.doc.fields(found.id, heads)))
        return list(ids)

    def _proposal_refs(self, heads: Heads) -> list[ObjectRef]:
        proposals = _ref(self.doc.fields(ROOT_ID, heads).get("proposals"))
        return [] if proposals is None else self._refs(proposals.id, heads)

    def _refs(self, obj: bytes, heads: Heads) -> list[ObjectRef]:
        return [e for e in self.doc.elements(obj, heads) if isinstance(e, ObjectRef)]
