"""Waiting suggestions read from a real document; figures current only at their version."""

from server.caseload.summaries import Summaries, pending_proposals, read_document
from tests.support.automerge_docs import decide_proposal, new_proposal, plan_document

SECTIONS = ["coping", "warning-signs", "review-log"]


def test_only_undecided_suggestions_wait() -> None:
    doc = plan_document("everyone", SECTIONS)
    declined = new_proposal(doc, "coping", "Bake bread")
    accepted = new_proposal(doc, "warning-signs", "Stops eating")
    new_proposal(doc, "coping", "Call Jo")
    withdrawn = new_proposal(doc, "coping", "Swim")
    decide_proposal(doc, declined, "declined")
    decide_proposal(doc, accepted, "accepted")
    decide_proposal(doc, withdrawn, "withdrawn")

    assert pending_proposals(read_document(bytes(doc.save()))) == 1
    assert pending_proposals(read_document(None)) == 0


def test_conflicts_count_only_for_the_same_review_and_number_of_changes() -> None:
    summaries = Summaries()
    summaries.conflicts_counted("plan", "review-1", 12, 2)

    assert summaries.conflicts("plan", "review-1", 12) == 2
    assert summaries.conflicts("plan", "review-1", 13) is None  # a change arrived since
    assert summaries.conflicts("plan", "review-2", 12) is None  # a newer review
    assert summaries.conflicts("other", "review-1", 12) is None
