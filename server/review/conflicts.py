"""Concurrent changes to one item (pure): both edited its text or phone, or one removed it.

`base` is the item at the heads of the intersection of the versions' ancestries: the state
every version started from (docs/decisions.md, 17). Versions are shown in the order their
changes were stored.
"""

from typing import NamedTuple

from server.clock import known_time, utc
from server.plans.template import section
from server.review.graph import ChangeGraph
from server.review.models import Conflict, Text, Version
from server.review.plan_state import ItemState, PlanReader, State
from server.storage.records import ChangeRow


class Write(NamedTuple):
    """A change that edited or removed an item, with the item just after it."""

    order: int
    row: ChangeRow
    edited: bool
    removed: bool
    after: ItemState | None


def title_of(section_id: str) -> str:
    found = section(section_id)
    return section_id if found is None else found.title


def text_of(state: State | None) -> Text | None:
    return None if state is None else Text(text=state.text, phone=state.phone)


def _clash(graph: ChangeGraph, a: Write, b: Write) -> bool:
    return (
        (a.edited and b.edited) or (a.edited and b.removed) or (a.removed and b.edited)
    ) and graph.concurrent(a.row.hash, b.row.hash)


def conflict(
    document_id: str, reader: PlanReader, graph: ChangeGraph, item: ItemState, writes: list[Write]
) -> Conflict | None:
    """The conflict among the writes to one item, or None if they were all in sequence."""
    pairs = [(a, b) for i, a in enumerate(writes) for b in writes[i + 1 :] if _clash(graph, a, b)]
    if not pairs:
        return None
    hashes = {w.row.hash for pair in pairs for w in pair}
    versions = [w for w in writes if w.row.hash in hashes]
    common = graph.common_heads(hashes)
    base = reader.item(item.obj, item.section, common) if common else None
    now = reader.item(item.obj, item.section)
    return Conflict(
        kind="edit-and-removal"
        if any(a.removed or b.removed for a, b in pairs)
        else "concurrent-edits",
        document_id=document_id,
        section_id=item.section,
        section_title=title_of(item.section),
        item_id=item.id,
        base=text_of(base),
        versions=[_version(w) for w in versions],
        merged=text_of(now) or Text(text="", phone=None),
        removed=now is None or now.removed,
    )


def _version(write: Write) -> Version:
    row = write.row
    return Version(
        user_id=row.account_id,
        display_name=row.display_name,
        role=row.role,
        text=text_of(write.after),
        removed=write.after is None or write.after.removed,
        change_time=known_time(row.change_time_ms),
        received_at=utc(row.received_at_ms),
        hash=row.hash.hex(),
    )
