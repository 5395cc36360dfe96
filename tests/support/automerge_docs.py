"""Automerge documents and changes made with the real binding, for tests."""

import base64
import os
from typing import Any

import base58
from automerge.core import ROOT, Document, ObjType, ScalarType

from server.ids import DocumentId
from server.plans.template import plan_template
from server.storage.protocol import ChangeRecord
from server.sync.documents import LOAD_IN_STEPS_BYTES


def new_document_id() -> DocumentId:
    return DocumentId(base58.b58encode_check(os.urandom(16)).decode())


def document_with(entries: dict[str, str], actor: bytes | None = None) -> Document:
    doc = Document(actor_id=actor) if actor is not None else Document()
    for key, value in entries.items():
        with doc.transaction() as tx:
            tx.put(ROOT, key, ScalarType.Str, value)
    return doc


def put(doc: Document, key: str, value: str) -> None:
    with doc.transaction() as tx:
        tx.put(ROOT, key, ScalarType.Str, value)


def read(doc: Document, key: str) -> str | None:
    found = doc.get(ROOT, key)
    return None if found is None else found[0][1]


ENTRY = 1_500  # random text, so that Automerge cannot compress it below the threshold


def large_document(size: int = LOAD_IN_STEPS_BYTES, doc: Document | None = None) -> Document:
    """A document of one change per entry, stored size about twice `size` (added to `doc`)."""
    doc = doc if doc is not None else Document()
    start = len(doc.keys(ROOT))
    for n in range(start, start + 2 * size // ENTRY):
        put(doc, f"entry {n}", base64.b64encode(os.urandom(ENTRY * 3 // 4)).decode())
    return doc


def records_of(doc: Document, since: list[bytes] | None = None) -> list[ChangeRecord]:
    return [
        ChangeRecord(
            hash=bytes(c.hash),
            actor=bytes(c.actor_id),
            seq=c.seq,
            data=bytes(c.raw_bytes),
            change_time_ms=0,
            received_at_ms=1,
            peer_id="peer-test",
        )
        for c in doc.get_changes(since or [])
    ]


# --- plan documents (docs/plan-document.md), as client/src/docs/plan.ts writes them ---

Path = tuple[str | int, ...]


def plan_document(audience: str, section_ids: list[str], actor: bytes | None = None) -> Document:
    """A new plan document in one change: schema, audience, empty sections, proposals."""
    doc = Document(actor_id=actor) if actor is not None else Document()
    with doc.transaction() as tx:
        _plan_root(tx, audience, section_ids)
    return doc


def _plan_root(tx: Any, audience: str, section_ids: list[str]) -> None:
    tx.put(ROOT, "schema", ScalarType.Int, 1)
    tx.put(ROOT, "audience", ScalarType.Str, audience)
    sections = tx.put_object(ROOT, "sections", ObjType.Map)
    for section_id in section_ids:
        tx.put_object(sections, section_id, ObjType.List)
    tx.put_object(ROOT, "proposals", ObjType.List)


def put_note(doc: Document, key: str, text: str, audience: str = "everyone") -> None:
    """`put` for plan documents (the server checks their shape): one change that makes the
    item with id `key` of the audience's first section say `text`, creating the plan's root
    first if `doc` is empty. `read_note` reads it back."""
    section_ids = [s.id for s in plan_template().sections if s.audience == audience]
    with doc.transaction() as tx:
        if tx.get(ROOT, "sections") is None:
            _plan_root(tx, audience, section_ids)
        sections = tx.get(ROOT, "sections")
        found = tx.get(sections[1], section_ids[0])
        assert found is not None, f"{section_ids[0]} is not in this document"
        listed = found[1]
        for index in range(tx.length(listed)):
            item = tx.get(listed, index)[1]
            if tx.text(tx.get(item, "id")[1]) == key:
                _text(tx, item, "text", text)
                return
        item = tx.insert_object(listed, tx.length(listed), ObjType.Map)
        _text(tx, item, "id", key)
        _text(tx, item, "text", text)
        tx.put(item, "made", ScalarType.Int, 1)
        _stamp(tx, item, "edit", 1)


def read_note(doc: Document, key: str) -> str | None:
    """The text of the item `put_note` wrote with id `key`, or None."""
    found = doc.get(ROOT, "sections")
    if found is None:
        return None
    for section in doc.values(found[1]):
        for entry in doc.values(section[1]):
            if _text_of(doc, entry[1], "id") == key:
                return _text_of(doc, entry[1], "text")
    return None


def object_at(doc: Document, path: Path) -> bytes:
    obj = ROOT
    for prop in path:
        found = doc.get(obj, prop)
        assert found is not None, f"nothing at {path}"
        obj = found[1]
    return obj


def add_entry(doc: Document, path: Path, fields: dict[str, str]) -> int:
    """Append a map like an item or a proposal; return its index. Every string is Automerge
    text, as the JavaScript library (the PWA) writes them."""
    target = object_at(doc, path)
    index = doc.length(target)
    with doc.transaction() as tx:
        entry = tx.insert_object(target, index, ObjType.Map)
        for key, value in fields.items():
            text = tx.put_object(entry, key, ObjType.Text)
            tx.insert(text, 0, ScalarType.Str, value)
        tx.put(entry, "made", ScalarType.Int, 1)
        edit = tx.put_object(entry, "edit", ObjType.Map)
        tx.put(edit, "at", ScalarType.Int, 1)
    return index


def add_items(doc: Document, section_id: str, texts: list[str]) -> None:
    """Append one item per text to a section, all in one change (for large plans)."""
    target = object_at(doc, ("sections", section_id))
    start = doc.length(target)
    with doc.transaction() as tx:
        for offset, value in enumerate(texts):
            entry = tx.insert_object(target, start + offset, ObjType.Map)
            for key, text in (("id", os.urandom(6).hex()), ("text", value)):
                obj = tx.put_object(entry, key, ObjType.Text)
                tx.insert(obj, 0, ScalarType.Str, text)
            tx.put(entry, "made", ScalarType.Int, 1)
            edit = tx.put_object(entry, "edit", ObjType.Map)
            tx.put(edit, "at", ScalarType.Int, 1)


def item_texts(doc: Document, section_id: str) -> list[str]:
    """The text of every item of a section, in order (removed ones included)."""
    items = object_at(doc, ("sections", section_id))
    found = []
    for index in range(doc.length(items)):
        text = doc.get(object_at(doc, ("sections", section_id, index)), "text")
        assert text is not None, f"item {index} of {section_id} has no text"
        found.append(doc.text(text[1]))
    return found


def add_item(doc: Document, section_id: str, text: str) -> int:
    return add_entry(doc, ("sections", section_id), {"id": os.urandom(6).hex(), "text": text})


def add_proposal(doc: Document, section_id: str, text: str) -> int:
    fields = {"id": os.urandom(6).hex(), "section": section_id, "text": text}
    return add_entry(doc, ("proposals",), fields)


def decide(doc: Document, proposal: int, state: str) -> None:
    """Give a proposal a decision map, as accept/decline/withdraw do."""
    target = object_at(doc, ("proposals", proposal))
    with doc.transaction() as tx:
        decision = tx.put_object(target, "decision", ObjType.Map)
        text = tx.put_object(decision, "state", ObjType.Text)
        tx.insert(text, 0, ScalarType.Str, state)
        tx.put(decision, "at", ScalarType.Int, 2)


def put_at(doc: Document, path: Path, key: str | int, value: str) -> None:
    target = object_at(doc, path)
    with doc.transaction() as tx:
        tx.put(target, key, ScalarType.Str, value)


def edit_text(doc: Document, path: Path, text: str) -> None:
    """Insert `text` at the start of the Automerge text at `path`."""
    target = object_at(doc, path)
    with doc.transaction() as tx:
        tx.insert(target, 0, ScalarType.Str, text)


# --- review: items edited character by character, soft removal, decisions, sign-offs ---
# As client/src/docs/plan.ts writes them: text is spliced (updateText), a phone number is
# a new text object (assigned whole), every edit replaces the `edit` map.


def _text(tx: Any, obj: bytes, key: str, value: str) -> None:
    tx.splice_text(tx.put_object(obj, key, ObjType.Text), 0, 0, value)


def _stamp(tx: Any, obj: bytes, key: str, at: int) -> None:
    tx.put(tx.put_object(obj, key, ObjType.Map), "at", ScalarType.Int, at)


def _text_of(doc: Document, obj: bytes, key: str) -> str | None:
    found = doc.get(obj, key)
    return None if found is None else doc.text(found[1])


def index_of(doc: Document, path: Path, entry_id: str) -> int:
    """The index of the item (or proposal) with this id in the list at `path`."""
    target = object_at(doc, path)
    for index in range(doc.length(target)):
        found = doc.get(target, index)
        if found is not None and _text_of(doc, found[1], "id") == entry_id:
            return index
    raise AssertionError(f"no {entry_id} at {path}")


def new_item(
    doc: Document,
    section_id: str,
    text: str,
    *,
    phone: str | None = None,
    item_id: str | None = None,
    at: int = 1,
) -> str:
    """Add an item (addItem); return its id."""
    entry_id = item_id or os.urandom(6).hex()
    target = object_at(doc, ("sections", section_id))
    with doc.transaction() as tx:
        item = tx.insert_object(target, tx.length(target), ObjType.Map)
        _text(tx, item, "id", entry_id)
        _text(tx, item, "text", text)
        if phone is not None:
            _text(tx, item, "phone", phone)
        tx.put(item, "made", ScalarType.Int, at)
        _stamp(tx, item, "edit", at)
    return entry_id


def edit_item(
    doc: Document,
    section_id: str,
    item_id: str,
    *,
    splice: tuple[int, int, str] | None = None,
    phone: str | None = None,
    at: int = 2,
) -> None:
    """editItem: splice the text (position, deleted, inserted) and/or replace the phone."""
    path = ("sections", section_id, index_of(doc, ("sections", section_id), item_id))
    item = object_at(doc, path)
    with doc.transaction() as tx:
        if splice is not None:
            text = tx.get(item, "text")
            assert text is not None
            tx.splice_text(text[1], *splice)
        if phone is not None:
            _text(tx, item, "phone", phone)
        _stamp(tx, item, "edit", at)


def remove_item(doc: Document, section_id: str, item_id: str, at: int = 3) -> None:
    """removeItem: soft removal."""
    path = ("sections", section_id, index_of(doc, ("sections", section_id), item_id))
    with doc.transaction() as tx:
        _stamp(tx, object_at(doc, path), "removed", at)


def restore_item(doc: Document, section_id: str, item_id: str, at: int = 4) -> None:
    path = ("sections", section_id, index_of(doc, ("sections", section_id), item_id))
    item = object_at(doc, path)
    with doc.transaction() as tx:
        tx.delete(item, "removed")
        _stamp(tx, item, "edit", at)


def new_proposal(doc: Document, section_id: str, text: str, at: int = 1) -> str:
    """propose(); return the proposal's id."""
    entry_id = os.urandom(6).hex()
    target = object_at(doc, ("proposals",))
    with doc.transaction() as tx:
        proposal = tx.insert_object(target, tx.length(target), ObjType.Map)
        for key, value in (("id", entry_id), ("section", section_id), ("text", text)):
            _text(tx, proposal, key, value)
        tx.put(proposal, "made", ScalarType.Int, at)
        _stamp(tx, proposal, "edit", at)
    return entry_id


def decide_proposal(
    doc: Document, proposal_id: str, state: str, *, text: str | None = None, at: int = 5
) -> str | None:
    """accept (as is, or in the person's words) / decline / withdraw; accepting adds the item
    (fromProposal) in the same change and returns its id."""
    proposal = object_at(doc, ("proposals", index_of(doc, ("proposals",), proposal_id)))
    section_id = _text_of(doc, proposal, "section")
    item_id = os.urandom(6).hex() if state == "accepted" else None
    with doc.transaction() as tx:
        if item_id is not None and section_id is not None:
            target = object_at(doc, ("sections", section_id))
            item = tx.insert_object(target, tx.length(target), ObjType.Map)
            _text(tx, item, "id", item_id)
            _text(tx, item, "text", text or _text_of(doc, proposal, "text") or "")
            tx.put(item, "made", ScalarType.Int, 1)
            _stamp(tx, item, "edit", at)
            _text(tx, item, "fromProposal", proposal_id)
        decision = tx.put_object(proposal, "decision", ObjType.Map)
        _text(tx, decision, "state", state)
        tx.put(decision, "at", ScalarType.Int, at)
        if item_id is not None:
            _text(tx, decision, "itemId", item_id)
    return item_id


def sign_off(
    doc: Document,
    heads: dict[str, list[bytes]],
    note: str = "Reviewed",
    *,
    next_review: str | None = None,
    at: int = 1_790_000_000_000,
) -> str:
    """signOff(): a review-log item carrying a `signoff` map; return its id."""
    entry_id = os.urandom(6).hex()
    target = object_at(doc, ("sections", "review-log"))
    with doc.transaction() as tx:
        item = tx.insert_object(target, tx.length(target), ObjType.Map)
        _text(tx, item, "id", entry_id)
        _text(tx, item, "text", note)
        tx.put(item, "made", ScalarType.Int, at)
        _stamp(tx, item, "edit", at)
        signoff = tx.put_object(item, "signoff", ObjType.Map)
        by_document = tx.put_object(signoff, "heads", ObjType.Map)
        for document_id, hashes in heads.items():
            listed = tx.put_object(by_document, document_id, ObjType.List)
            for index, change_hash in enumerate(hashes):
                text = tx.insert_object(listed, index, ObjType.Text)
                tx.splice_text(text, 0, 0, change_hash.hex())
        if next_review is not None:
            _text(tx, signoff, "nextReview", next_review)
        tx.put(signoff, "at", ScalarType.Int, at)
    return entry_id


def undecided_proposals(doc: Document) -> list[str]:
    """The ids of the proposals nobody has decided on yet (no `decision` map)."""
    proposals = object_at(doc, ("proposals",))
    found = []
    for index in range(doc.length(proposals)):
        proposal = object_at(doc, ("proposals", index))
        if doc.get(proposal, "decision") is None:
            entry_id = _text_of(doc, proposal, "id")
            assert entry_id is not None
            found.append(entry_id)
    return found
