"""Reading the binding's patch text: paths, actions and object ids, even for hostile keys."""

import pytest
from automerge.core import ROOT, Document, ExpandMark, ObjType, ScalarType

from server.crdt.engine import LiveDocument
from server.crdt.patches import ROOT_REF, PatchFormatError, Touch, parse

HOSTILE_KEY = 'a"), (Root, Map("sections'  # tries to end the key early and fake a path
ODD_KEYS = [HOSTILE_KEY, "back\\slash", "line\nbreak\t", "é \u200b \x7f", "'quote'", 'Map("x")']


def touched(doc: Document, before: list[bytes]) -> list[Touch]:
    return LiveDocument(doc).touched(before)


@pytest.mark.parametrize("key", ODD_KEYS)
def test_a_key_reads_back_exactly_whatever_it_contains(key: str) -> None:
    doc = Document()
    with doc.transaction() as tx:
        inner = tx.put_object(ROOT, key, ObjType.Map)
        tx.put(inner, key, ScalarType.Str, key)

    found = touched(doc, [])

    assert [t.path for t in found] == [(key,), (key, key)]


def test_object_ids_are_the_bindings_and_name_their_creator() -> None:
    doc = Document(actor_id=b"\x05" * 16)
    with doc.transaction() as tx:
        lst = tx.put_object(ROOT, "l", ObjType.List)
        item = tx.insert_object(lst, 0, ObjType.Map)
    other = Document(actor_id=b"\x06" * 16)
    other.merge(doc)
    before = list(other.get_heads())
    with other.transaction() as tx:
        tx.put(item, "k", ScalarType.Str, "v")

    (touch,) = touched(other, before)

    assert touch == Touch(("l", 0, "k"), "put", touch.objects)
    assert touch.objects[0] == ROOT_REF
    assert [o.id for o in touch.objects[1:]] == [other.get(ROOT, "l")[1], item]  # type: ignore[index]
    assert [o.actor for o in touch.objects[1:]] == [b"\x05" * 16] * 2


def test_list_text_and_mark_actions_carry_their_index() -> None:
    doc = Document()
    with doc.transaction() as tx:
        lst = tx.put_object(ROOT, "l", ObjType.List)
        for i in range(3):
            tx.insert(lst, i, ScalarType.Int, i)
        text = tx.put_object(ROOT, "t", ObjType.Text)
        tx.insert(text, 0, ScalarType.Str, "hello")
    before = list(doc.get_heads())
    with doc.transaction() as tx:
        tx.delete(lst, 1)
        tx.put(lst, 0, ScalarType.Int, 9)
        tx.insert(text, 5, ScalarType.Str, "!")
    with doc.transaction() as tx:
        tx.mark(text, 0, 2, "bold", ScalarType.Boolean, True, ExpandMark.Both)

    found = {(t.path, t.action) for t in touched(doc, before)}

    assert found == {
        (("l", 0), "put"),
        (("l", 1), "delete"),
        (("t", 5), "splice"),
        (("t",), "mark"),
    }


def test_a_conflict_names_the_key_it_is_on() -> None:
    base = Document()
    a, b = base.fork(), base.fork()
    a.set_actor(b"\x09" * 16)
    b.set_actor(b"\x01" * 16)
    for doc, value in ((a, "a"), (b, "b")):
        with doc.transaction() as tx:
            tx.put(ROOT, "k", ScalarType.Str, value)
    before = list(a.get_heads())
    a.merge(b)  # b's value loses: it is only a conflict in a's document

    assert [(t.path, t.action) for t in touched(a, before)] == [(("k",), "conflict")]


@pytest.mark.parametrize(
    "text",
    [
        "",
        'Patch { obj: Root, path: [], action: Teleport { key: "k" } }',
        'Patch { obj: Root, path: [(Root, Map("unterminated)], action: PutMap { key: "k"',
        "Patch { obj: Root, path: [], action: PutMap { value: 1 } }",
    ],
)
def test_text_in_another_format_is_refused_not_guessed(text: str) -> None:
    with pytest.raises(PatchFormatError):
        parse(text)
