"""The template's per-section write rules, on real Automerge documents.

Each test starts from a plan document the person made, lets a member change their copy,
and asks the rules about exactly what the member's changes added (as the hub does).
"""

from collections.abc import Iterator

import pytest
from automerge.core import Document

from server.crdt.engine import LiveDocument
from server.plans.write_rules import refusal
from tests.support.automerge_docs import (
    add_item,
    add_proposal,
    decide,
    edit_text,
    object_at,
    plan_document,
    put,
    put_at,
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


EVERYONE = ["warning-signs", "coping", "professional-contacts", "safer", "review-log"]
PERSON = b"\x01" * 16
CARER = b"\x02" * 16
OTHER_CARER = b"\x03" * 16
CLINICIAN = b"\x04" * 16


def everyone_plan() -> Document:
    return plan_document("everyone", EVERYONE, actor=PERSON)


def copy(doc: Document, actor: bytes) -> Document:
    mine = Document(actor_id=actor)
    mine.merge(doc)
    return mine


def check(
    server: Document,
    member: Document,
    role: str,
    audience: str = "everyone",
    account: str = "carer-1",
) -> str | None:
    """What the rules say about the member's changes that the server does not have yet."""
    doc = server.fork()
    before = list(doc.get_heads())
    doc.merge(member)
    live = LiveDocument(doc)
    return refusal(
        audience,
        role,
        account,
        live,
        touches(_SOURCE[0], server, doc),
        owns=lambda a: a == member.get_actor(),
        new_document=not before,
    )


def test_a_carer_may_propose_for_a_section_they_may_not_write() -> None:
    plan = everyone_plan()
    carer = copy(plan, CARER)

    add_proposal(carer, "warning-signs", "not sleeping")

    assert check(plan, carer, "carer") is None


def test_a_carer_may_not_write_into_the_persons_own_section() -> None:
    plan = everyone_plan()
    carer = copy(plan, CARER)

    add_item(carer, "warning-signs", "written by the carer")

    assert check(plan, carer, "carer") == "carers may propose, not write, in section warning-signs"


def test_a_carer_may_not_edit_an_item_of_the_persons_section() -> None:
    plan = everyone_plan()
    add_item(plan, "warning-signs", "my words")
    carer = copy(plan, CARER)

    edit_text(carer, ("sections", "warning-signs", 0, "text"), "not ")

    assert check(plan, carer, "carer") == "carers may propose, not write, in section warning-signs"


def test_a_carer_writes_where_the_template_lists_carers_as_writers() -> None:
    plan = everyone_plan()
    add_item(plan, "safer", "lock the medicines away")
    carer = copy(plan, CARER)

    add_item(carer, "safer", "I keep the car keys")
    edit_text(carer, ("sections", "safer", 0, "text"), "We ")

    assert check(plan, carer, "carer") is None


def test_a_clinician_writes_professional_contacts() -> None:
    plan = everyone_plan()
    clinician = copy(plan, CLINICIAN)

    add_item(clinician, "professional-contacts", "Crisis team")

    assert check(plan, clinician, "clinician", account="clinician-1") is None


def test_a_clinician_proposes_advance_preferences_but_does_not_write_them() -> None:
    plan = plan_document("clinicians", ["advance-preferences"], actor=PERSON)
    proposes, writes = copy(plan, CLINICIAN), copy(plan, CLINICIAN)

    add_proposal(proposes, "advance-preferences", "no restraint")
    add_item(writes, "advance-preferences", "no restraint")

    assert check(plan, proposes, "clinician", "clinicians") is None
    assert check(plan, writes, "clinician", "clinicians") == (
        "clinicians may propose, not write, in section advance-preferences"
    )


def test_a_carer_may_not_change_the_root() -> None:
    plan = everyone_plan()
    carer = copy(plan, CARER)

    put(carer, "audience", "person")

    assert (
        check(plan, carer, "carer")
        == "only the person changes the document's root (key 'audience')"
    )


def test_the_person_writes_anything() -> None:
    plan = everyone_plan()
    person = copy(plan, PERSON)

    put(person, "anything", "at the root")
    add_item(person, "warning-signs", "my words")

    assert check(plan, person, "person") is None


def test_a_carer_writes_anything_in_their_own_notes_but_a_clinician_does_not() -> None:
    notes = plan_document("carer", ["carer-notes"], actor=CARER)
    carer, clinician = copy(notes, CARER), copy(notes, CLINICIAN)

    put(carer, "scribbles", "at the root")
    add_item(clinician, "carer-notes", "a clinician's note")

    assert check(notes, carer, "carer", "carer:carer-1", account="carer-1") is None
    assert check(notes, clinician, "clinician", "carer:carer-1", account="clinician-1") == (
        "clinicians may not write in section carer-notes"
    )


def test_a_proposal_must_be_for_a_section_the_role_proposes_to() -> None:
    plan = everyone_plan()
    carer = copy(plan, CARER)

    add_proposal(carer, "reasons", "a section of the person's own document")

    assert check(plan, carer, "carer") == "carers may not propose in section reasons"


def test_a_carer_withdraws_their_own_proposal_but_decides_nothing() -> None:
    plan = everyone_plan()
    carer = copy(plan, CARER)
    add_proposal(carer, "coping", "a walk")
    plan.merge(carer)
    withdraws, accepts = copy(plan, CARER), copy(plan, CARER)

    decide(withdraws, 0, "withdrawn")
    decide(accepts, 0, "accepted")

    assert check(plan, withdraws, "carer") is None
    assert check(plan, accepts, "carer") == (
        "only the person decides proposals; carers may withdraw their own"
    )


def test_a_carer_may_not_change_another_carers_proposal_or_the_persons_decision() -> None:
    plan = everyone_plan()
    other = copy(plan, OTHER_CARER)
    add_proposal(other, "coping", "a walk")
    plan.merge(other)
    decide(plan, 0, "declined")
    carer = copy(plan, CARER)

    edit_text(carer, ("proposals", 0, "text"), "a long ")
    meddles = copy(plan, CARER)
    put_at(meddles, ("proposals", 0, "decision"), "state", "accepted")

    assert check(plan, carer, "carer") == "a proposal may be changed only by whoever made it"
    assert check(plan, meddles, "carer") == "a proposal may be changed only by whoever made it"


def test_items_and_proposals_are_not_deleted_by_members() -> None:
    plan = everyone_plan()
    add_item(plan, "safer", "lock the medicines away")
    carer = copy(plan, CARER)
    with carer.transaction() as tx:
        tx.delete(object_at(carer, ("sections", "safer")), 0)

    assert check(plan, carer, "carer") == (
        "items are removed by marking them removed, not deleted: section safer"
    )


def test_a_new_document_may_be_laid_out_but_not_filled_against_the_rules() -> None:
    empty = Document()
    lays_out = plan_document("everyone", EVERYONE, actor=CARER)
    fills = plan_document("everyone", EVERYONE, actor=CARER)
    add_item(fills, "coping", "the carer's words")

    assert check(empty, lays_out, "carer") is None
    assert check(empty, fills, "carer") == "carers may propose, not write, in section coping"


def test_the_persons_decision_on_a_carers_proposal_is_the_persons() -> None:
    plan = everyone_plan()
    carer = copy(plan, CARER)
    add_proposal(carer, "coping", "a walk")
    plan.merge(carer)
    decide(plan, 0, "declined")
    carer.merge(plan)

    put_at(carer, ("proposals", 0, "decision"), "state", "withdrawn")

    assert check(plan, carer, "carer") == (
        "only the person decides proposals; carers may withdraw their own"
    )


@pytest.mark.parametrize("actor", [b"\x00" * 16, CARER], ids=["carer-loses", "carer-wins"])
def test_withdrawing_while_the_person_declines_is_not_refused(actor: bytes) -> None:
    plan = everyone_plan()
    carer = copy(plan, actor)
    add_proposal(carer, "coping", "a walk")
    plan.merge(carer)
    carer.merge(plan)

    decide(plan, 0, "declined")
    decide(carer, 0, "withdrawn")  # offline, concurrently

    assert check(plan, carer, "carer") is None
