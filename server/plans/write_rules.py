"""The template's per-section write rules, for every writer but the person.

Checked for each place a sync message's changes wrote (`object_paths.change_touches`, read
from the changes' own operations), in a document of audience kind k:

- `sections.<sid>…`: sid is a section of audience k and the role is one of its `writers`.
  Items are only inserted or changed inside (removal is soft, `removed`); the section's list
  itself is created only with a new document.
- `proposals…`: the role proposes to some section of k. Proposals are only inserted (not
  deleted or replaced); a change inside one needs the proposal to be made by one of the
  writer's actors and its `section` to be one the role proposes to; a `decision` written by
  the role must say "withdrawn", and no one else's decision may be changed.
- the root: `schema`, `audience`, `sections`, `proposals` are put only in a new (empty)
  document; nothing else at the root.

A carer writes anything in their own notes document ("carer:<their id>"), within the shape
every plan document keeps (`plans/shape_rules.py`: types, fields, sizes, for every writer).

Not checked: whether a proposal is still pending (a decision made concurrently would make a
legitimate offline edit unacceptable forever). Operations with no visible effect when they
arrive (a value that lost a conflict) are checked like any other when the touches come from
operations (a decision the writer made is read from their own map, `Touch.made`); the diff,
used only for objects the index does not know, cannot see them.
"""

import functools
from collections.abc import Callable
from typing import Protocol

from server.crdt.patches import ObjectRef, Touch
from server.plans.access import CARER_PREFIX
from server.plans.template import plan_template, section
from server.roles import Role

ROOT_KEYS = frozenset({"schema", "audience", "sections", "proposals"})
WITHDRAWN = "withdrawn"


class DocumentView(Protocol):
    """The document after the changes (implemented by `LiveDocument`)."""

    def scalar(self, obj: bytes, key: str) -> object: ...

    def child(self, obj: bytes, key: str) -> ObjectRef | None: ...


def refusal(
    audience: str,
    role: Role | None,
    account_id: str | None,
    doc: DocumentView,
    touches: list[Touch],
    owns: Callable[[bytes], bool],
    *,
    new_document: bool,
) -> str | None:
    """Why the changes break the rules, or None.

    `touches`: where they wrote (`change_touches`, or `LiveDocument.touched(heads before
    them)`); `owns(actor)`:
    is that actor the writer's? `new_document`: the document was empty before them.
    """
    if role == Role.PERSON or audience == CARER_PREFIX + (account_id or ""):
        return None
    rules = _Rules(audience_kind(audience), role or "nobody", doc, owns, new_document=new_document)
    for touch in touches:
        broken = rules.check(touch)
        if broken is not None:
            return broken
    return None


def audience_kind(audience: str) -> str:
    """The template's audience of a registered one ("carer:<id>" is "carer")."""
    return "carer" if audience.startswith(CARER_PREFIX) else audience


class _Rules:
    def __init__(
        self,
        kind: str,
        role: str,
        doc: DocumentView,
        owns: Callable[[bytes], bool],
        *,
        new_document: bool,
    ) -> None:
        self.kind = kind
        self.role = role
        self.doc = doc
        self.owns = owns
        self.new_document = new_document

    def check(self, touch: Touch) -> str | None:
        path = touch.path
        head = path[0] if path else None
        if len(path) <= 1:
            if self.new_document and head in ROOT_KEYS and touch.action == "put":
                return None
            return f"only the person changes the document's root (key {head!r})"
        if head == "sections":
            return self._section(touch)
        if head == "proposals":
            return self._proposal(touch)
        return f"only the person writes outside sections and proposals (key {head!r})"

    def _section(self, touch: Touch) -> str | None:
        sid = touch.path[1]
        found = section(sid) if isinstance(sid, str) else None
        if found is None or found.audience != self.kind:
            return f"section {sid} is not part of this document"
        if len(touch.path) == 2:
            if self.new_document and touch.action == "put":
                return None
            return f"only the person creates or replaces the list of section {sid}"
        if self.role not in found.writers:
            if self.role in found.proposers:
                return f"{self.role}s may propose, not write, in section {sid}"
            return f"{self.role}s may not write in section {sid}"
        if len(touch.path) == 3 and touch.action != "insert":
            return f"items are removed by marking them removed, not deleted: section {sid}"
        return None

    def _proposal(self, touch: Touch) -> str | None:
        proposable = _proposable(self.kind, self.role)
        if not proposable:
            return f"{self.role}s may not propose in this document"
        path = touch.path
        if len(path) == 2:
            if touch.action == "insert":
                return None
            return "proposals are withdrawn, not deleted or replaced"
        proposal = touch.objects[2]
        if not self.owns(proposal.actor):
            return "a proposal may be changed only by whoever made it"
        sid = self.doc.scalar(proposal.id, "section")
        if sid not in proposable:
            return f"{self.role}s may not propose in section {sid}"
        if path[2] != "decision":
            return None
        return self._decision(touch, proposal)

    def _decision(self, touch: Touch, proposal: ObjectRef) -> str | None:
        if len(touch.path) > 3:
            decision: ObjectRef | None = touch.objects[3]
        elif touch.action == "conflict":
            return None  # the writer's decision lost to another one: nothing of it shows
        elif touch.action == "delete":
            decision = None
        elif touch.made is not None:
            decision = touch.made  # the decision this operation made, shown or not
        else:
            decision = self.doc.child(proposal.id, "decision")
        if (
            decision is None
            or not self.owns(decision.actor)
            or self.doc.scalar(decision.id, "state") != WITHDRAWN
        ):
            return f"only the person decides proposals; {self.role}s may withdraw their own"
        return None


@functools.cache
def _proposable(kind: str, role: str) -> frozenset[str]:
    return frozenset(
        s.id for s in plan_template().sections if s.audience == kind and role in s.proposers
    )
