"""The index of where each object sits, as the hub keeps it from one message to the next."""

from automerge.core import Document

from server.crdt.change_ops import decode
from server.crdt.engine import LiveDocument
from server.crdt.object_paths import ObjectPaths, PathsCache, change_touches, op_id
from server.crdt.patches import object_ref
from tests.support.automerge_docs import edit_item, new_item, object_at, plan_document

EVERYONE = ["warning-signs", "coping", "help-contacts", "safer", "review-log"]
PERSON = b"\x01" * 16


def offered(cache: PathsCache, stored: Document, writer: Document) -> tuple[ObjectPaths, bool]:
    """The index the cache gives for `stored`, and whether `writer`'s new changes read."""
    before = list(stored.get_heads())
    layer = cache.at(LiveDocument(stored)).after(list(writer.get_heads()))
    found = change_touches(layer, [decode(bytes(c.raw_bytes)) for c in writer.get_changes(before)])
    cache.offer(layer)
    return layer, found is not None


def test_the_index_of_a_document_names_every_object_it_shows() -> None:
    doc = plan_document("everyone", EVERYONE, actor=PERSON)
    item = new_item(doc, "coping", "a walk", phone="07911 123456")
    index = ObjectPaths.of_document(LiveDocument(doc))
    listed = object_at(doc, ("sections", "coping"))
    entry = doc.values(listed)[0][1]
    phone = object_at(doc, ("sections", "coping", 0, "phone"))

    chain = index.chain(op_id(object_ref(phone)))

    assert chain is not None
    assert [n.key for n in chain] == ["sections", "coping", None, "phone"]
    assert [n.kind for n in chain] == ["map", "list", "map", "text"]
    assert chain[2].ref == object_ref(entry)  # the binding's own id
    assert doc.text(object_at(doc, ("sections", "coping", 0, "id"))) == item


def test_an_accepted_message_extends_the_index_a_refused_one_does_not() -> None:
    stored = plan_document("everyone", EVERYONE, actor=PERSON)
    cache = PathsCache()
    writer = Document(actor_id=PERSON)
    writer.merge(stored)
    item = new_item(writer, "coping", "a walk")
    _, read = offered(cache, stored, writer)
    assert read
    new_list = op_id(object_ref(object_at(writer, ("sections", "coping", 0))))
    assert new_list is not None

    # Refused: the live document stays as it was, and so does its index.
    assert cache.at(LiveDocument(stored)).get(new_list) is None
    # Accepted: the live document became what the message made; its layer is folded in.
    offered(cache, stored, writer)
    stored.merge(writer)
    index = cache.at(LiveDocument(stored))
    assert index.get(new_list) is not None
    assert index.heads == list(stored.get_heads())
    assert cache.at(LiveDocument(stored)) is index  # kept, not built again

    edit_item(writer, "coping", item, splice=(0, 0, "x"))
    assert offered(cache, stored, writer)[1]  # an edit of the new item reads from the index


def test_a_document_changed_any_other_way_is_indexed_again() -> None:
    stored = plan_document("everyone", EVERYONE, actor=PERSON)
    cache = PathsCache()
    first = cache.at(LiveDocument(stored))
    new_item(stored, "coping", "written without a message (a reload, a repair)")

    again = cache.at(LiveDocument(stored))

    assert again is not first
    assert again.heads == list(stored.get_heads())
    item = op_id(object_ref(object_at(stored, ("sections", "coping", 0))))
    assert item is not None
    assert again.get(item) is not None
