"""PlanChangeRules: the plan template's rules behind the hub's ChangeRules port."""

from automerge.core import Document

from server.auth.policy import Access, Grant, WrittenChanges
from server.crdt.engine import LiveDocument
from server.plans import shape_rules
from server.plans.change_rules import PlanChangeRules
from server.roles import Role
from tests.support.automerge_docs import add_item, plan_document, put

PERSON = b"\x01" * 16
CARER = b"\x02" * 16
SECTIONS = ["warning-signs", "coping", "professional-contacts", "safer", "review-log"]


def written(server: Document, member: Document, account_id: str) -> WrittenChanges:
    """The member's changes that the server does not have yet, as the hub hands them over."""
    doc = server.fork()
    before = list(doc.get_heads())
    doc.merge(member)
    live = LiveDocument(doc)
    return WrittenChanges(
        account_id=account_id,
        document=live,
        touches=live.touched(before),
        heads_before=before,
        written=list(member.get_heads()),
        owns=lambda actor: actor == member.get_actor(),
    )


def member_copy(doc: Document, actor: bytes) -> Document:
    mine = Document(actor_id=actor)
    mine.merge(doc)
    return mine


def test_a_carer_writing_in_the_persons_section_is_refused_by_the_write_rules() -> None:
    plan = plan_document("everyone", SECTIONS, actor=PERSON)
    carer = member_copy(plan, CARER)
    add_item(carer, "warning-signs", "written by the carer")

    why = PlanChangeRules().refusal(
        Grant(Access.WRITE, Role.CARER, "everyone"), written(plan, carer, "carer-1")
    )

    assert why == "carers may propose, not write, in section warning-signs"


def test_the_person_passes_the_write_rules_but_not_the_shape_rules() -> None:
    plan = plan_document("everyone", SECTIONS, actor=PERSON)
    person = member_copy(plan, PERSON)
    put(person, "anything", "a key no plan document has")
    changes = written(plan, person, "person-1")

    why = PlanChangeRules().refusal(Grant(Access.WRITE, Role.PERSON, "everyone"), changes)

    assert why is not None
    assert why == shape_rules.refusal(
        "everyone",
        changes.document,
        changes.touches,
        before=changes.heads_before,
        written=changes.written,
    )


def test_a_document_outside_any_plan_has_no_plan_rules() -> None:
    plan = plan_document("everyone", SECTIONS, actor=PERSON)
    carer = member_copy(plan, CARER)
    add_item(carer, "warning-signs", "written by the carer")

    assert PlanChangeRules().refusal(Grant(Access.WRITE), written(plan, carer, "c")) is None


def test_free_form_documents_skip_the_shape_rules_but_keep_the_write_rules() -> None:
    plan = plan_document("everyone", SECTIONS, actor=PERSON)
    person, carer = member_copy(plan, PERSON), member_copy(plan, CARER)
    put(person, "log", "what the benchmark harness writes")
    add_item(carer, "warning-signs", "written by the carer")
    free_form = PlanChangeRules(shapes=False)

    persons = free_form.refusal(
        Grant(Access.WRITE, Role.PERSON, "everyone"), written(plan, person, "person-1")
    )
    carers = free_form.refusal(
        Grant(Access.WRITE, Role.CARER, "everyone"), written(plan, carer, "carer-1")
    )

    assert persons is None
    assert (
        PlanChangeRules().refusal(
            Grant(Access.WRITE, Role.PERSON, "everyone"), written(plan, person, "person-1")
        )
        == "the document's root is written only when it is created ('log')"
    )
    assert carers == "carers may propose, not write, in section warning-signs"
