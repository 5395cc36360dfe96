"""Where a writer's changes wrote, both ways the server can tell (for the rule tests)."""

from automerge.core import Document

from server.crdt.change_ops import decode
from server.crdt.engine import LiveDocument
from server.crdt.object_paths import ObjectPaths, change_touches
from server.crdt.patches import Touch

SOURCES = ("operations", "diff")
"""operations: read from the changes themselves, as the hub does; diff: the binding's diff."""


def touches(source: str, stored: Document, merged: Document) -> list[Touch]:
    """Where the changes `merged` holds beyond `stored` (its state before them) wrote.

    From operations, with the index of `stored` as the hub keeps it; a change writing to an
    object it does not know makes the test fail (the hub would diff instead).
    """
    before = list(stored.get_heads())
    if source == "diff":
        return LiveDocument(merged).touched(before)
    paths = ObjectPaths.of_document(LiveDocument(stored)).after(list(merged.get_heads()))
    changes = [decode(bytes(c.raw_bytes)) for c in merged.get_changes(before)]
    found = change_touches(paths, changes)
    assert found is not None, "a change writes to an object the index does not know"
    return found
