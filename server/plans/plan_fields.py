"""What each field of a plan document may hold: the table the shape rules apply.

`plans/shape_rules.py` finds what a message's changes touched; the checks here say whether a
value fits (types, lengths, known fields), reading nested maps and lists through a `Reader`.
The limits match what the app writes (client/src/docs/plan.ts) and are explained in
docs/plan-document.md, "What the server accepts".
"""

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Protocol

from server.crdt.engine import Value
from server.crdt.patches import ObjectRef

MAX_TEXT = 2000
"""Characters (code points) in an item's or proposal's text: client/src/docs/plan.ts MAX_TEXT."""
MAX_PHONE = 40
"""Characters in a phone number: the client's field and `clean()` keep 40."""
MAX_ID = 64
MAX_REVIEWED_DOCUMENTS = 100
MAX_REVIEWED_HEADS = 100
REVIEW_LOG = "review-log"

_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID}}}")
_HASH = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NOT_ON_A_PHONE = frozenset({"Cc", "Zl", "Zp"})  # control characters, line breaks
_STATES = frozenset({"accepted", "declined", "withdrawn"})
_NUMBERS = frozenset({"int", "uint", "f64"})
_STRINGS = frozenset({"text", "str"})


class Reader(Protocol):
    """The document as the writer left it, and the sections of its audience."""

    sections: frozenset[str]

    def fields(self, obj: bytes) -> dict[str, Value]: ...

    def elements(self, obj: bytes) -> list[Value]: ...

    def length(self, obj: bytes) -> int: ...


Check = Callable[[Value, Reader], str | None]


class Entry:
    """What an item (or a proposal) may hold."""

    def __init__(
        self,
        article: str,
        plural: str,
        fields: dict[str, Check],
        required: frozenset[str],
        *,
        immutable: bool = False,
    ) -> None:
        self.article = article
        self.plural = plural
        self.fields = fields
        self.required = required
        self.immutable = immutable
        """An entry holding a sign-off never changes once stored."""


def check_map(
    value: Value,
    fields: dict[str, Check],
    required: frozenset[str],
    article: str,
    reader: Reader,
) -> str | None:
    """A whole map: only known fields, every required one, each of the right shape."""
    if value.kind != "map" or not isinstance(value.content, ObjectRef):
        return f"{article} is a map"
    found = reader.fields(value.content.id)
    for key, field in found.items():
        check = fields.get(key)
        if check is None:
            return f"{article} has no field {key!r}"
        broken = check(field, reader)
        if broken is not None:
            return broken
    missing = sorted(required - found.keys())
    if missing:
        return f"{article} needs {', '.join(missing)}"
    return None


def _text(value: Value, _: Reader) -> str | None:
    if value.kind not in _STRINGS or not isinstance(value.content, str):
        return "text is a string"
    if len(value.content) > MAX_TEXT:
        return f"text is at most {MAX_TEXT:,} characters"
    return None


def _phone(value: Value, _: Reader) -> str | None:
    """Short and on one line.

    Letters stay allowed: people write "ext. 12" or "ask for Jo" there, and the app has always
    stored them (only digits and + are ever dialled).
    """
    if value.kind not in _STRINGS or not isinstance(value.content, str):
        return "a phone number is a string"
    if len(value.content) > MAX_PHONE:
        return f"a phone number is at most {MAX_PHONE} characters"
    if any(unicodedata.category(c) in _NOT_ON_A_PHONE for c in value.content):
        return "a phone number is one line with no control characters"
    return None


def _id(value: Value, _: Reader) -> str | None:
    if value.kind not in _STRINGS or not isinstance(value.content, str):
        return "an id is a string"
    if _ID.fullmatch(value.content) is None:
        return f"an id is 1 to {MAX_ID} letters, digits, - or _"
    return None


def _time(value: Value, _: Reader) -> str | None:
    number = value.content
    if value.kind not in _NUMBERS or not isinstance(number, int | float):
        return "a time is a number (ms since 1970)"
    if isinstance(number, float) and not math.isfinite(number):
        return "a time is a finite number"
    return None


def _section_id(value: Value, reader: Reader) -> str | None:
    if value.kind not in _STRINGS or value.content not in reader.sections:
        return "a proposal is for a section of this document"
    return None


def _state(value: Value, _: Reader) -> str | None:
    if value.kind not in _STRINGS or value.content not in _STATES:
        return "a decision is accepted, declined or withdrawn"
    return None


def _day(value: Value, _: Reader) -> str | None:
    if value.kind not in _STRINGS or not isinstance(value.content, str):
        return "a date is a string"
    if _DAY.fullmatch(value.content) is None:
        return "a date is written YYYY-MM-DD"
    return None


def _stamp(value: Value, reader: Reader) -> str | None:
    return check_map(value, {"at": _time}, frozenset({"at"}), "a time stamp", reader)


def _decision(value: Value, reader: Reader) -> str | None:
    fields: dict[str, Check] = {"state": _state, "at": _time, "itemId": _id}
    return check_map(value, fields, frozenset({"state", "at"}), "a decision", reader)


def _signoff(value: Value, reader: Reader) -> str | None:
    fields: dict[str, Check] = {"heads": _reviewed_heads, "nextReview": _day, "at": _time}
    return check_map(value, fields, frozenset({"heads", "at"}), "a sign-off", reader)


def _reviewed_heads(value: Value, reader: Reader) -> str | None:
    """Per document id, the hex hashes of the changes reviewed: bounded both ways."""
    if value.kind != "map" or not isinstance(value.content, ObjectRef):
        return "a sign-off's heads are a map of document ids to hashes"
    if reader.length(value.content.id) > MAX_REVIEWED_DOCUMENTS:
        return f"a sign-off reviews at most {MAX_REVIEWED_DOCUMENTS} documents"
    for document_id, hashes in reader.fields(value.content.id).items():
        if _ID.fullmatch(document_id) is None:
            return "a sign-off's heads are keyed by document id"
        if hashes.kind != "list" or not isinstance(hashes.content, ObjectRef):
            return "a sign-off's heads are lists of change hashes"
        if reader.length(hashes.content.id) > MAX_REVIEWED_HEADS:
            return f"a sign-off names at most {MAX_REVIEWED_HEADS} heads per document"
        for head in reader.elements(hashes.content.id):
            if not isinstance(head.content, str) or _HASH.fullmatch(head.content) is None:
                return "a change hash is 64 hexadecimal digits"
    return None


_ITEM_FIELDS: dict[str, Check] = {
    "id": _id,
    "text": _text,
    "phone": _phone,
    "made": _time,
    "edit": _stamp,
    "removed": _stamp,
    "fromProposal": _id,
}
ITEM = Entry("an item", "items", _ITEM_FIELDS, frozenset({"id", "text", "made", "edit"}))
REVIEW_ITEM = Entry(
    "an item",
    "items",
    {**_ITEM_FIELDS, "signoff": _signoff},
    ITEM.required,
    immutable=True,
)
PROPOSAL = Entry(
    "a proposal",
    "proposals",
    {
        "id": _id,
        "section": _section_id,
        "text": _text,
        "phone": _phone,
        "made": _time,
        "edit": _stamp,
        "decision": _decision,
    },
    frozenset({"id", "section", "text", "made", "edit"}),
)
