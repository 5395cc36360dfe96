"""LiveDocument's history and reads at past heads (the review digest's inputs)."""

from automerge.core import Document

from server.crdt.engine import LiveDocument
from server.crdt.patches import ObjectRef, object_counter
from tests.support.automerge_docs import edit_item, new_item, object_at, plan_document

PERSON, CARER = b"\x01" * 16, b"\x02" * 16


def test_history_gives_each_change_its_deps_actor_and_operations() -> None:
    doc = plan_document("everyone", ["coping"], actor=PERSON)
    new_item(doc, "coping", "a walk")

    first, second = LiveDocument(doc).history()

    assert (first.deps, second.deps) == ((), (first.hash,))
    assert (first.actor, first.seq, second.seq) == (PERSON, 1, 2)
    assert first.start_op == 1
    assert second.start_op == first.max_op + 1
    assert second.max_op > second.start_op


def test_fields_read_a_map_as_it_was_at_any_heads_with_text_as_strings() -> None:
    doc = plan_document("everyone", ["coping"], actor=PERSON)
    item_id = new_item(doc, "coping", "a walk")
    before = list(doc.get_heads())
    edit_item(doc, "coping", item_id, splice=(6, 0, " by the river"), phone="0100")
    live = LiveDocument(doc)
    item = object_at(doc, ("sections", "coping", 0))

    then, now = live.fields(item, before), live.fields(item)

    assert (then["id"], then["text"], "phone" in then) == (item_id, "a walk", False)
    assert (now["text"], now["phone"]) == ("a walk by the river", "0100")
    assert isinstance(now["edit"], ObjectRef)
    assert live.fields(item, []) == {}  # the item did not exist yet
    assert live.elements(object_at(doc, ("sections", "coping")), before)[0] == ObjectRef(
        item, PERSON
    )


def test_object_counter_finds_the_change_that_created_an_object() -> None:
    doc = plan_document("everyone", ["coping"], actor=PERSON)
    carer = Document(actor_id=CARER)
    carer.merge(doc)
    new_item(carer, "coping", "made by the carer")
    doc.merge(carer)
    live = LiveDocument(doc)
    item = live.elements(object_at(doc, ("sections", "coping")))[0]
    assert isinstance(item, ObjectRef)

    counter = object_counter(item)
    [made] = [c for c in live.history() if c.actor == item.actor and c.start_op <= counter]

    assert item.actor == CARER
    assert counter <= made.max_op
    assert made.hash == carer.get_heads()[0]
