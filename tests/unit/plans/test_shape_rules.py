"""The shape of what is written to plan documents, on real Automerge documents.

Each test starts from a plan document as stored, lets a writer (the person, unless said
otherwise: the shape rules are the same for everyone) change their copy, and asks the rules
about exactly what the writer's changes added, as the hub does.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from automerge.core import ROOT, Document, ExpandMark, ObjType, ScalarType

from server.crdt.engine import LiveDocument
from server.plans.plan_fields import MAX_PHONE, MAX_TEXT
from server.plans.shape_rules import refusal
from tests.support.automerge_docs import (
    decide_proposal,
    edit_item,
    index_of,
    new_item,
    new_proposal,
    object_at,
    plan_document,
    remove_item,
    restore_item,
    sign_off,
)
from tests.support.touches import SOURCES, touches

_SOURCE = ["operations"]


@pytest.fixture(autouse=True, params=SOURCES)
def _touches_from(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs with touches read from operations (as the hub reads them) and from
    the binding's diff (which the hub falls back to)."""
    _SOURCE[0] = request.param
    yield
    _SOURCE[0] = "operations"


EVERYONE = ["warning-signs", "coping", "help-contacts", "safer", "review-log"]
PERSON = b"\x01" * 16
CLINICIAN = b"\x04" * 16
HASH = bytes(range(32))
STAMP = object()  # raw_item: a map {at: 1}


def everyone_plan() -> Document:
    return plan_document("everyone", EVERYONE, actor=PERSON)


def copy(doc: Document, actor: bytes = PERSON) -> Document:
    mine = Document(actor_id=actor)
    mine.merge(doc)
    return mine


def check(server: Document, writer: Document, kind: str = "everyone") -> str | None:
    """What the rules say about the writer's changes that the server does not have yet."""
    doc = server.fork()
    before = list(doc.get_heads())
    doc.merge(writer)
    live = LiveDocument(doc)
    written = list(writer.get_heads())
    found = touches(_SOURCE[0], server, doc)
    return refusal(kind, live, found, before=before, written=written)


def item_at(doc: Document, section_id: str, item_id: str) -> bytes:
    return object_at(
        doc, ("sections", section_id, index_of(doc, ("sections", section_id), item_id))
    )


def put_text(tx: Any, obj: bytes, key: str, value: str) -> None:
    tx.splice_text(tx.put_object(obj, key, ObjType.Text), 0, 0, value)


def raw_item(doc: Document, section_id: str, **fields: Any) -> None:
    """An item written by hand: str values as text, int as int, STAMP as {at: 1}, and
    (ScalarType, value) pairs as given."""
    target = object_at(doc, ("sections", section_id))
    with doc.transaction() as tx:
        item = tx.insert_object(target, tx.length(target), ObjType.Map)
        for key, value in fields.items():
            if isinstance(value, str):
                put_text(tx, item, key, value)
            elif isinstance(value, int):
                tx.put(item, key, ScalarType.Int, value)
            elif value is STAMP:
                tx.put(tx.put_object(item, key, ObjType.Map), "at", ScalarType.Int, 1)
            else:
                kind, scalar = value
                tx.put(item, key, kind, scalar)


def stamp(doc: Document, obj: bytes, key: str, **fields: Any) -> None:
    with doc.transaction() as tx:
        inner = tx.put_object(obj, key, ObjType.Map)
        for name, (kind, value) in fields.items():
            tx.put(inner, name, kind, value)


def test_everything_the_app_writes_passes() -> None:
    person = Document(actor_id=PERSON)
    plan = plan_document("everyone", EVERYONE, actor=PERSON)
    person.merge(plan)
    contact = new_item(person, "help-contacts", "My sister Jo", phone="+44 (0)7700 900-123")
    new_item(person, "coping", "x" * MAX_TEXT)
    edit_item(person, "help-contacts", contact, splice=(0, 2, "Our"), phone="call me maybe")
    remove_item(person, "help-contacts", contact)
    restore_item(person, "help-contacts", contact)
    proposal = new_proposal(person, "coping", "a walk")
    decide_proposal(person, proposal, "accepted", text="a walk by the river")
    clinician = copy(person, CLINICIAN)
    sign_off(clinician, {"docA1": [HASH]}, "seen", next_review="2027-01-31")

    assert check(Document(), person) is None  # a new document, uploaded whole
    assert check(person, clinician) is None


def test_a_text_longer_than_the_apps_limit_is_refused_even_from_the_person() -> None:
    plan = everyone_plan()
    at_limit, over = copy(plan), copy(plan)

    new_item(at_limit, "coping", "x" * MAX_TEXT)
    new_item(over, "coping", "x" * (MAX_TEXT + 1))

    assert check(plan, at_limit) is None
    assert check(plan, over) == "text is at most 2,000 characters"


def test_an_edit_that_makes_a_text_too_long_is_refused() -> None:
    plan = everyone_plan()
    item = new_item(plan, "coping", "x" * 1990)
    person = copy(plan)

    edit_item(person, "coping", item, splice=(0, 0, "y" * 11))

    assert check(plan, person) == "text is at most 2,000 characters"


def test_concurrent_edits_within_the_limit_are_not_refused_when_they_merge_past_it() -> None:
    plan = everyone_plan()
    item = new_item(plan, "coping", "a walk")
    person, clinician = copy(plan), copy(plan, CLINICIAN)
    edit_item(person, "coping", item, splice=(0, 0, "p" * 1500))
    edit_item(clinician, "coping", item, splice=(0, 0, "c" * 1500))
    plan.merge(person)  # the person's edit is stored first

    assert check(plan, clinician) is None


@pytest.mark.parametrize(
    ("phone", "refused"),
    [
        ("+44 (0)7700 900-123", None),
        ("call me maybe", None),  # the app stores words too ("ext. 12", "ask for Jo")
        ("1" * MAX_PHONE, None),
        ("1" * (MAX_PHONE + 1), "a phone number is at most 40 characters"),
        ("0770\n0900123", "a phone number is one line with no control characters"),
        ("0770\x00", "a phone number is one line with no control characters"),
    ],
)
def test_a_phone_number_is_short_and_on_one_line(phone: str, refused: str | None) -> None:
    plan = everyone_plan()
    person = copy(plan)

    new_item(person, "help-contacts", "Jo", phone=phone)

    assert check(plan, person) == refused


def test_a_phone_number_replaced_by_an_edit_is_checked_too() -> None:
    plan = everyone_plan()
    item = new_item(plan, "help-contacts", "Jo", phone="07700 900123")
    person = copy(plan)

    edit_item(person, "help-contacts", item, phone="9" * 41)

    assert check(plan, person) == "a phone number is at most 40 characters"


@pytest.mark.parametrize(
    ("item_id", "refused"),
    [
        ("0a1b2c3d4e5f60718293a4b5", None),
        ("x" * 64, None),
        ("x" * 65, "an id is 1 to 64 letters, digits, - or _"),
        ("../etc", "an id is 1 to 64 letters, digits, - or _"),
        ("", "an id is 1 to 64 letters, digits, - or _"),
    ],
)
def test_ids_are_short_and_plain(item_id: str, refused: str | None) -> None:
    plan = everyone_plan()
    person = copy(plan)

    raw_item(person, "coping", id=item_id, text="a bath", made=1, edit=STAMP)

    assert check(plan, person) == refused


def test_times_are_numbers() -> None:
    plan = everyone_plan()
    as_text, as_bool, as_float = copy(plan), copy(plan), copy(plan)

    raw_item(as_text, "coping", id="a1", text="t", made="yesterday", edit=STAMP)
    raw_item(as_bool, "coping", id="a1", text="t", made=(ScalarType.Boolean, True), edit=STAMP)
    raw_item(as_float, "coping", id="a1", text="t", made=(ScalarType.F64, 1.5e12), edit=STAMP)
    endless = copy(plan)
    raw_item(endless, "coping", id="a1", text="t", made=(ScalarType.F64, float("inf")), edit=STAMP)

    assert check(plan, as_text) == "a time is a number (ms since 1970)"
    assert check(plan, as_bool) == "a time is a number (ms since 1970)"
    assert check(plan, as_float) is None
    assert check(plan, endless) == "a time is a finite number"


def test_an_item_needs_its_fields_and_holds_no_others() -> None:
    plan = everyone_plan()
    missing, extra, inner = copy(plan), copy(plan), copy(plan)

    raw_item(missing, "coping", id="a1", text="t", made=1)
    new_item(extra, "coping", "t")
    with extra.transaction() as tx:
        put_text(tx, object_at(extra, ("sections", "coping", 0)), "colour", "red")
    new_item(inner, "coping", "t")
    stamp(inner, object_at(inner, ("sections", "coping", 0)), "edit", at=(ScalarType.Int, 1))
    stamp(inner, object_at(inner, ("sections", "coping", 0)), "removed", by=(ScalarType.Int, 1))

    assert check(plan, missing) == "an item needs edit"
    assert check(plan, extra) == "an item has no field 'colour'"
    assert check(plan, inner) == "a time stamp has no field 'by'"


def test_a_field_added_to_a_stored_item_is_refused() -> None:
    plan = everyone_plan()
    new_item(plan, "coping", "a bath")
    person = copy(plan)

    with person.transaction() as tx:
        tx.put(object_at(person, ("sections", "coping", 0)), "score", ScalarType.Int, 5)

    assert check(plan, person) == "an item has no field 'score'"


def test_an_items_id_never_changes_and_its_required_fields_stay() -> None:
    plan = everyone_plan()
    item = new_item(plan, "coping", "a bath")
    renamed, emptied = copy(plan), copy(plan)

    with renamed.transaction() as tx:
        put_text(tx, item_at(renamed, "coping", item), "id", "other")
    with emptied.transaction() as tx:
        tx.delete(item_at(emptied, "coping", item), "text")

    assert check(plan, renamed) == "an item's id never changes"
    assert check(plan, emptied) == "an item keeps its text"


def test_items_are_neither_deleted_nor_replaced_by_anyone() -> None:
    plan = everyone_plan()
    new_item(plan, "coping", "a bath")
    deletes, replaces, scalar = copy(plan), copy(plan), copy(plan)
    listed = object_at(plan, ("sections", "coping"))

    with deletes.transaction() as tx:
        tx.delete(listed, 0)
    with replaces.transaction() as tx:
        tx.put_object(listed, 0, ObjType.Map)
    with scalar.transaction() as tx:
        tx.insert(listed, 1, ScalarType.Str, "not an item")

    assert check(plan, deletes) == "items are never deleted (removal is soft)"
    assert check(plan, replaces) == "items are added, never replaced"
    assert check(plan, scalar) == "items are maps"


def test_the_root_is_written_only_when_the_document_is_created() -> None:
    plan = everyone_plan()
    later, new_key, wrong_audience = copy(plan), Document(), Document()
    schema, proposals, section = Document(), Document(), Document()
    with schema.transaction() as tx:
        tx.put(ROOT, "schema", ScalarType.Int, 2)
    with proposals.transaction() as tx:
        tx.put_object(ROOT, "proposals", ObjType.Map)
    with section.transaction() as tx:
        tx.put_object(tx.put_object(ROOT, "sections", ObjType.Map), "coping", ObjType.Map)

    with later.transaction() as tx:
        tx.put_object(ROOT, "sections", ObjType.Map)
    with new_key.transaction() as tx:
        tx.put(ROOT, "title", ScalarType.Str, "my plan")
    with wrong_audience.transaction() as tx:
        tx.put(ROOT, "audience", ScalarType.Str, "person")

    assert (
        check(plan, later) == "the document's root is written only when it is created ('sections')"
    )
    assert check(Document(), new_key) == (
        "a plan document holds only schema, audience, sections and proposals ('title')"
    )
    assert check(Document(), wrong_audience) == "this document's audience is 'everyone'"
    assert check(Document(), schema) == "a plan document's schema is 1"
    assert check(Document(), proposals) == "a plan document's proposals is a list"
    assert check(Document(), section) == "section coping is a list of items"


def test_a_new_document_as_the_javascript_library_writes_it_passes() -> None:
    made = Document()
    with made.transaction() as tx:  # every string is text, the audience too
        tx.put(ROOT, "schema", ScalarType.Int, 1)
        put_text(tx, ROOT, "audience", "everyone")
        tx.put_object(tx.put_object(ROOT, "sections", ObjType.Map), "coping", ObjType.List)
        tx.put_object(ROOT, "proposals", ObjType.List)
    wrong = Document()
    with wrong.transaction() as tx:
        put_text(tx, ROOT, "audience", "person")

    assert check(Document(), made) is None
    assert check(Document(), wrong) == "this document's audience is 'everyone'"


def test_a_sections_list_is_never_replaced() -> None:
    plan = everyone_plan()
    new_item(plan, "coping", "a bath")
    person = copy(plan)

    with person.transaction() as tx:
        tx.put_object(object_at(person, ("sections",)), "coping", ObjType.List)

    assert check(plan, person) == (
        "the list of section coping is written only when the document is created"
    )


def test_text_marks_are_refused() -> None:
    plan = everyone_plan()
    new_item(plan, "coping", "a bath")
    person = copy(plan)

    with person.transaction() as tx:
        text = object_at(person, ("sections", "coping", 0, "text"))
        tx.mark(text, 0, 1, "bold", ScalarType.Boolean, True, ExpandMark.Neither)

    assert check(plan, person) == "a plan document holds no marks"


def test_a_section_of_another_audience_is_refused() -> None:
    plan = everyone_plan()
    person = copy(plan)

    with person.transaction() as tx:
        tx.put_object(object_at(person, ("sections",)), "reasons", ObjType.List)

    assert check(plan, person) == "section reasons is not part of this document"


def test_proposals_and_decisions_keep_their_shape() -> None:
    plan = everyone_plan()
    proposal = new_proposal(plan, "coping", "a walk")
    elsewhere, decided = copy(plan), copy(plan)

    new_proposal(elsewhere, "reasons", "a section of the person's own document")
    decide_proposal(decided, proposal, "ignored")

    assert check(plan, elsewhere) == "a proposal is for a section of this document"
    assert check(plan, decided) == "a decision is accepted, declined or withdrawn"


def test_a_stored_sign_off_is_never_edited_or_removed_even_by_the_person() -> None:
    plan = everyone_plan()
    clinician = copy(plan, CLINICIAN)
    review = sign_off(clinician, {"docA1": [HASH]}, "seen", next_review="2027-01-31")
    plan.merge(clinician)
    edits, removes, postpones = copy(plan), copy(plan), copy(plan, CLINICIAN)

    edit_item(edits, "review-log", review, splice=(0, 0, "not "))
    remove_item(removes, "review-log", review)
    with postpones.transaction() as tx:
        signoff = object_at(postpones, ("sections", "review-log", 0, "signoff"))
        put_text(tx, signoff, "nextReview", "2030-01-01")

    refused = "a sign-off is never changed or removed once stored"
    assert check(plan, edits) == refused
    assert check(plan, removes) == refused
    assert check(plan, postpones) == refused


def test_a_sign_off_comes_with_its_own_new_item() -> None:
    plan = everyone_plan()
    note = new_item(plan, "review-log", "we met on Monday")
    clinician = copy(plan, CLINICIAN)

    stamp(clinician, item_at(clinician, "review-log", note), "signoff", at=(ScalarType.Int, 1))

    assert check(plan, clinician) == "a sign-off is written with a new review-log item"


@pytest.mark.parametrize(
    ("heads", "next_review", "refused"),
    [
        ({"docA1": [b"\x01" * 31]}, None, "a change hash is 64 hexadecimal digits"),
        ({"doc/A": [HASH]}, None, "a sign-off's heads are keyed by document id"),
        ({f"d{i}": [HASH] for i in range(101)}, None, "a sign-off reviews at most 100 documents"),
        ({"docA1": [HASH] * 101}, None, "a sign-off names at most 100 heads per document"),
        ({"docA1": [HASH]}, "next week", "a date is written YYYY-MM-DD"),
    ],
)
def test_a_sign_off_is_bounded(
    heads: dict[str, list[bytes]], next_review: str | None, refused: str
) -> None:
    plan = everyone_plan()
    clinician = copy(plan, CLINICIAN)

    sign_off(clinician, heads, next_review=next_review)

    assert check(plan, clinician) == refused


def test_a_sign_off_outside_the_review_log_is_an_unknown_field() -> None:
    plan = everyone_plan()
    clinician = copy(plan, CLINICIAN)
    new_item(clinician, "coping", "a bath")

    stamp(
        clinician,
        object_at(clinician, ("sections", "coping", 0)),
        "signoff",
        at=(ScalarType.Int, 1),
    )

    assert check(plan, clinician) == "an item has no field 'signoff'"
