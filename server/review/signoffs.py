"""Sign-offs in a plan's `everyone` document: review-log items carrying a `signoff` map.

The reviewer is the actor that created the `signoff` map (its object id is `counter@actor`),
found in the change that holds that operation. A sign-off counts only if that change was
stored from an account that was a clinician of the plan at the time (its change row).

A repeat, a sign-off by the same clinician of exactly the same heads as one of theirs made
before it, is not a review (decision 29): it reviewed nothing new, and the only way to make
one is to submit the same form twice (a double tap, an old client). The first stands, so a
repeat cannot drop the next-review date the first one set.
"""

import math
import re
from datetime import date

from server.clock import known_time
from server.crdt.engine import ChangeInfo
from server.crdt.patches import ObjectRef, object_counter
from server.review.digest import REVIEW_LOG
from server.review.plan_state import ItemState, PlanReader
from server.roles import Role
from server.storage.records import ChangeRow, ReviewRow

_HASH = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def signoffs(
    plan_id: str, document_id: str, reader: PlanReader, rows: dict[bytes, ChangeRow]
) -> list[ReviewRow]:
    """The document's sign-offs by clinicians now (`rows`: its change rows by hash)."""
    found = []
    for item in reader.section_items(REVIEW_LOG):
        if item.signoff is None:
            continue
        change = _creator(reader.history, item.signoff)
        row = None if change is None else rows.get(change.hash)
        if row is None or row.role != Role.CLINICIAN or row.account_id is None:
            continue
        found.append(_review(plan_id, document_id, reader, item, item.signoff, row))
    return _without_repeats(found)


def _without_repeats(found: list[ReviewRow]) -> list[ReviewRow]:
    kept: list[ReviewRow] = []
    seen: set[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]] = set()
    for row in sorted(found, key=lambda r: (r.reviewed_at_ms, r.received_at_ms, r.id)):
        key = (row.reviewer_id, tuple(sorted((d, tuple(sorted(h))) for d, h in row.heads.items())))
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def _review(
    plan_id: str,
    document_id: str,
    reader: PlanReader,
    item: ItemState,
    signoff: ObjectRef,
    row: ChangeRow,
) -> ReviewRow:
    fields = reader.doc.fields(signoff.id)
    at = fields.get("at")
    return ReviewRow(
        id=item.id,
        plan_id=plan_id,
        document_id=document_id,
        reviewer_id=row.account_id or "",
        note=item.text,
        next_review=_day(fields.get("nextReview")),
        reviewed_at_ms=_reviewed_at(at, row),
        received_at_ms=row.received_at_ms,
        heads=_heads(reader, fields.get("heads")),
        change_hash=row.hash.hex(),
    )


def _reviewed_at(at: object, row: ChangeRow) -> int:
    """signoff.at (ms, the reviewer's clock), else the change's own time, else when stored."""
    if isinstance(at, int | float) and math.isfinite(at) and known_time(int(at)) is not None:
        return int(at)
    return row.change_time_ms or row.received_at_ms


def _creator(history: list[ChangeInfo], obj: ObjectRef) -> ChangeInfo | None:
    counter = object_counter(obj)
    return next(
        (c for c in history if c.actor == obj.actor and c.start_op <= counter <= c.max_op), None
    )


def _heads(reader: PlanReader, value: object) -> dict[str, list[str]]:
    """{documentId: [hex hash]}; anything else in the map is left out."""
    if not isinstance(value, ObjectRef):
        return {}
    heads: dict[str, list[str]] = {}
    for document_id, hashes in reader.doc.fields(value.id).items():
        if isinstance(hashes, ObjectRef):
            listed = reader.doc.elements(hashes.id)
            heads[document_id] = [h for h in listed if isinstance(h, str) and _HASH.fullmatch(h)]
    return heads


def _day(value: object) -> str | None:
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return None
    return value
