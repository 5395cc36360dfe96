"""Automerge documents and changes made with the real binding, for tests."""

import os

import base58
from automerge.core import ROOT, Document, ScalarType

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
