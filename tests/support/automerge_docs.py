"""Automerge documents and changes made with the real binding, for tests."""

import os

import base58
from automerge.core import ROOT, Document, ObjType, ScalarType

from server.ids import DocumentId
from server.storage.protocol import ChangeRecord


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
        tx.put(ROOT, "schema", ScalarType.Int, 1)
        tx.put(ROOT, "audience", ScalarType.Str, audience)
        sections = tx.put_object(ROOT, "sections", ObjType.Map)
        for section_id in section_ids:
            tx.put_object(sections, section_id, ObjType.List)
        tx.put_object(ROOT, "proposals", ObjType.List)
    return doc


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
