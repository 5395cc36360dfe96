"""The review digest on plan documents edited concurrently by three people.

Documents are built with the real binding the way the PWA writes them (every string is
Automerge text, edits are splices, removal is soft); each person's device is its own actor.
"""

from automerge.core import Document

from server.crdt.engine import LiveDocument
from server.review.digest import DocumentHistory, digest
from server.review.models import Conflict, PersonChanges, Text
from server.review.plan_state import PlanReader
from server.review.signoffs import signoffs
from server.storage.records import ChangeRow
from tests.support.automerge_docs import (
    decide_proposal,
    edit_item,
    new_item,
    new_proposal,
    plan_document,
    remove_item,
    restore_item,
    sign_off,
)

DOC = "doc-everyone"
SECTIONS = ["warning-signs", "coping", "safer", "professional-contacts", "review-log"]
PERSON, CARER, CLINICIAN = b"\x01" * 16, b"\x02" * 16, b"\x04" * 16
PEOPLE = {
    PERSON: ("u-person", "Alex", "person"),
    CARER: ("u-carer", "Sam", "carer"),
    CLINICIAN: ("u-clinician", "Dr Lee", "clinician"),
}


def device(doc: Document, actor: bytes) -> Document:
    """Another person's copy of the document: changes made on it are by `actor`."""
    copy = Document(actor_id=actor)
    copy.merge(doc)
    return copy


def together(*docs: Document) -> Document:
    """The server's document once every device has synced."""
    merged = Document(actor_id=b"\x09" * 16)
    for doc in docs:
        merged.merge(doc)
    return merged


def rows_of(doc: Document) -> list[ChangeRow]:
    """Change rows as the server stores them: who sent each change, when (1 s apart)."""
    rows = []
    for i, change in enumerate(doc.get_changes([])):
        account, name, role = PEOPLE[bytes(change.actor_id)]
        rows.append(
            ChangeRow(
                hash=bytes(change.hash),
                document_id=DOC,
                actor=bytes(change.actor_id),
                seq=change.seq,
                account_id=account,
                display_name=name,
                role=role,
                change_time_ms=1_790_000_000_000 + i * 1000,
                received_at_ms=1_790_000_000_000 + i * 1000 + 250,
            )
        )
    return rows


def run(
    doc: Document, since: list[bytes] | None = None, reviewed: tuple[bytes, ...] = ()
) -> tuple[list[Conflict], list[PersonChanges]]:
    history = DocumentHistory(DOC, PlanReader(LiveDocument(doc)), tuple(since or []), reviewed)
    return digest([history], rows_of(doc))


def kinds(people: list[PersonChanges]) -> list[tuple[str | None, list[tuple[str, str]]]]:
    return [(p.display_name, [(e.kind, e.section_id) for e in p.entries]) for p in people]


def plan_with(text: str, section: str = "safer") -> tuple[Document, str]:
    plan = plan_document("everyone", SECTIONS, actor=PERSON)
    return plan, new_item(plan, section, text)


def test_the_same_item_edited_by_two_people_at_once_is_a_conflict_with_every_version() -> None:
    plan, item = plan_with("Keep tablets locked away")
    reviewed = list(plan.get_heads())
    carer, clinician = device(plan, CARER), device(plan, CLINICIAN)

    edit_item(carer, "safer", item, splice=(5, 0, "all the "))
    edit_item(clinician, "safer", item, splice=(13, 0, "safely "))
    conflicts, people = run(together(plan, carer, clinician), since=reviewed)

    [conflict] = conflicts
    assert conflict.kind == "concurrent-edits"
    assert (conflict.section_id, conflict.section_title, conflict.item_id) == (
        "safer",
        "Making my situation safer",
        item,
    )
    assert conflict.base == Text(text="Keep tablets locked away", phone=None)
    assert [(v.display_name, v.role, v.text, v.removed) for v in conflict.versions] == [
        ("Sam", "carer", Text(text="Keep all the tablets locked away", phone=None), False),
        ("Dr Lee", "clinician", Text(text="Keep tablets safely locked away", phone=None), False),
    ]
    assert conflict.merged == Text(text="Keep all the tablets safely locked away", phone=None)
    assert conflict.removed is False
    assert kinds(people) == [("Sam", [("edited", "safer")]), ("Dr Lee", [("edited", "safer")])]


def test_three_concurrent_phone_and_text_edits_are_one_conflict_with_three_versions() -> None:
    plan, item = plan_with("Crisis team", section="professional-contacts")
    edit_item(plan, "professional-contacts", item, phone="0100 000 000")
    reviewed = list(plan.get_heads())
    person, carer, clinician = device(plan, PERSON), device(plan, CARER), device(plan, CLINICIAN)

    edit_item(person, "professional-contacts", item, phone="0100 000 001")
    edit_item(carer, "professional-contacts", item, splice=(11, 0, " (nights)"))
    edit_item(clinician, "professional-contacts", item, phone="0100 000 002")
    conflicts, _ = run(together(person, carer, clinician), since=reviewed)

    [conflict] = conflicts
    assert conflict.base == Text(text="Crisis team", phone="0100 000 000")
    assert [v.display_name for v in conflict.versions] == ["Alex", "Sam", "Dr Lee"]
    assert [v.text for v in conflict.versions] == [
        Text(text="Crisis team", phone="0100 000 001"),
        Text(text="Crisis team (nights)", phone="0100 000 000"),
        Text(text="Crisis team", phone="0100 000 002"),
    ]
    assert conflict.merged.text == "Crisis team (nights)"
    assert conflict.merged.phone in {"0100 000 001", "0100 000 002"}


def test_an_item_removed_while_another_person_edits_it_is_an_edit_and_removal() -> None:
    plan, item = plan_with("Sam holds the spare keys")
    other = new_item(plan, "safer", "Lock the car")
    reviewed = list(plan.get_heads())
    person, carer, clinician = device(plan, PERSON), device(plan, CARER), device(plan, CLINICIAN)

    remove_item(person, "safer", item)
    edit_item(carer, "safer", item, splice=(24, 0, " and the car keys"))
    edit_item(clinician, "safer", other, splice=(12, 0, " at night"))  # no conflict: another item
    conflicts, people = run(together(person, carer, clinician), since=reviewed)

    [conflict] = conflicts
    assert conflict.kind == "edit-and-removal"
    assert conflict.item_id == item
    assert conflict.base == Text(text="Sam holds the spare keys", phone=None)
    assert [(v.display_name, v.text, v.removed) for v in conflict.versions] == [
        ("Alex", Text(text="Sam holds the spare keys", phone=None), True),
        ("Sam", Text(text="Sam holds the spare keys and the car keys", phone=None), False),
    ]
    assert conflict.merged == Text(text="Sam holds the spare keys and the car keys", phone=None)
    assert conflict.removed is True
    assert kinds(people) == [
        ("Alex", [("removed", "safer")]),
        ("Sam", [("edited", "safer")]),
        ("Dr Lee", [("edited", "safer")]),
    ]


def test_edits_made_one_after_another_do_not_conflict() -> None:
    plan, item = plan_with("Walk the dog")
    carer = device(plan, CARER)
    edit_item(carer, "safer", item, splice=(12, 0, " every evening"))
    person = device(together(plan, carer), PERSON)

    edit_item(person, "safer", item, splice=(0, 4, "Take"))
    conflicts, people = run(together(plan, carer, person), since=list(plan.get_heads()))

    assert conflicts == []
    assert [[(e.before, e.after) for e in p.entries] for p in people] == [
        [
            (
                Text(text="Walk the dog", phone=None),
                Text(text="Walk the dog every evening", phone=None),
            )
        ],
        [
            (
                Text(text="Walk the dog every evening", phone=None),
                Text(text="Take the dog every evening", phone=None),
            )
        ],
    ]


def test_proposals_proposed_edited_accepted_declined_and_withdrawn() -> None:
    plan = plan_document("everyone", SECTIONS, actor=PERSON)
    carer, clinician = device(plan, CARER), device(plan, CLINICIAN)
    calls = new_proposal(carer, "warning-signs", "Stops answering calls")
    sleep = new_proposal(carer, "warning-signs", "Not sleeping")
    breathing = new_proposal(clinician, "coping", "Breathing exercise")
    person = device(together(plan, carer, clinician), PERSON)
    decide_proposal(person, calls, "accepted", text="I stop answering my phone")
    decide_proposal(person, sleep, "declined")
    decide_proposal(clinician, breathing, "withdrawn")

    _, people = run(together(person, carer, clinician))

    by_name = {p.display_name: p.entries for p in people}
    assert [(e.kind, e.item_id) for e in by_name["Sam"]] == [
        ("proposed", calls),
        ("proposed", sleep),
    ]
    assert [(e.kind, e.section_id) for e in by_name["Dr Lee"]] == [
        ("proposed", "coping"),
        ("withdrawn", "coping"),
    ]
    accepted, declined = by_name["Alex"]
    assert (accepted.kind, accepted.item_id, accepted.section_title) == (
        "accepted",
        calls,
        "My warning signs",
    )
    assert accepted.before == Text(text="Stops answering calls", phone=None)
    assert accepted.after == Text(text="I stop answering my phone", phone=None)
    assert (declined.kind, declined.after) == ("declined", Text(text="Not sleeping", phone=None))


def test_entries_are_grouped_by_person_in_the_order_stored_with_before_and_after() -> None:
    plan, item = plan_with("Call Jo", section="coping")
    edit_item(plan, "coping", item, splice=(7, 0, " or Kim"))
    remove_item(plan, "coping", item)
    clinician = device(plan, CLINICIAN)
    contact = new_item(clinician, "professional-contacts", "Crisis team", phone="0100")
    person = device(together(plan, clinician), PERSON)
    restore_item(person, "coping", item)

    _, people = run(together(person, clinician))

    assert kinds(people) == [
        (
            "Alex",
            [
                ("added", "coping"),
                ("edited", "coping"),
                ("removed", "coping"),
                ("restored", "coping"),
            ],
        ),
        ("Dr Lee", [("added", "professional-contacts")]),
    ]
    alex, lee = people
    assert [(e.before, e.after) for e in alex.entries[:2]] == [
        (None, Text(text="Call Jo", phone=None)),
        (Text(text="Call Jo", phone=None), Text(text="Call Jo or Kim", phone=None)),
    ]
    assert (lee.user_id, lee.role, lee.entries[0].item_id) == ("u-clinician", "clinician", contact)
    assert lee.entries[0].after == Text(text="Crisis team", phone="0100")
    times = [e.received_at for e in alex.entries]
    assert times == sorted(times)
    assert all(e.received_at.timestamp() - e.change_time.timestamp() == 0.25 for e in alex.entries)


def test_a_digest_since_a_review_holds_only_the_changes_after_it() -> None:
    plan, item = plan_with("Keep tablets locked away")
    carer = device(plan, CARER)
    edit_item(carer, "safer", item, splice=(5, 0, "all the "))
    clinician = device(together(plan, carer), CLINICIAN)
    reviewed = list(clinician.get_heads())
    sign_off(clinician, {DOC: reviewed}, "Plan looks good", next_review="2027-02-01")
    person = device(plan, PERSON)  # has not seen the carer's edit nor the review yet
    later = new_item(person, "coping", "Phone my sister")
    carer.merge(clinician)
    edit_item(carer, "safer", item, splice=(0, 0, "Please "))
    doc = together(clinician, person, carer)

    rows = rows_of(doc)
    [review] = signoffs("plan-1", DOC, PlanReader(LiveDocument(doc)), {r.hash: r for r in rows})
    since = [bytes.fromhex(h) for h in review.heads[DOC]]
    conflicts, people = run(doc, since=since, reviewed=(bytes.fromhex(review.change_hash),))
    _, everything = run(doc)

    assert (review.reviewer_id, review.note, review.next_review) == (
        "u-clinician",
        "Plan looks good",
        "2027-02-01",
    )
    assert review.heads == {DOC: [h.hex() for h in reviewed]}
    signed = next(r for r in rows if r.hash.hex() == review.change_hash)
    assert (review.received_at_ms, signed.account_id) == (signed.received_at_ms, "u-clinician")
    assert conflicts == []
    assert {p.display_name: [(e.kind, e.item_id) for e in p.entries] for p in people} == {
        "Alex": [("added", later)],
        "Sam": [("edited", item)],
    }
    assert dict(kinds(everything))["Dr Lee"] == [("reviewed", "review-log")]


def test_a_sign_off_written_by_the_person_is_not_a_review() -> None:
    plan, _ = plan_with("Keep tablets locked away")
    sign_off(plan, {DOC: list(plan.get_heads())}, "I reviewed it myself")

    rows = rows_of(plan)
    found = signoffs("plan-1", DOC, PlanReader(LiveDocument(plan)), {r.hash: r for r in rows})
    _, people = run(plan)

    assert found == []
    assert kinds(people) == [("Alex", [("added", "safer"), ("added", "review-log")])]
