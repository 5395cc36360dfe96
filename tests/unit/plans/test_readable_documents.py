"""The one "documents this member may read" filter (plans/access.readable)."""

import pytest

from server.plans.access import readable
from server.storage.records import DocumentRow

ME = "acc-me"
AUDIENCES = ["everyone", "person", "clinicians", f"carer:{ME}", "carer:acc-other"]
DOCUMENTS = [DocumentRow(document_id=f"doc-{a}", plan_id="p1", audience=a) for a in AUDIENCES]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("person", ["everyone", "person", "clinicians"]),
        ("clinician", ["everyone", "clinicians", f"carer:{ME}", "carer:acc-other"]),
        ("carer", ["everyone", f"carer:{ME}"]),
        ("viewer", ["everyone"]),
        (None, []),
    ],
)
def test_each_role_reads_exactly_the_audiences_of_the_access_table(
    role: str | None, expected: list[str]
) -> None:
    assert [d.audience for d in readable(DOCUMENTS, role, ME)] == expected


def test_the_documents_come_back_in_the_order_given() -> None:
    reversed_rows = list(reversed(DOCUMENTS))
    assert readable(reversed_rows, "clinician", ME) == [
        d for d in reversed_rows if d.audience != "person"
    ]


def test_a_carer_does_not_read_another_carers_notes_by_a_prefix_of_their_id() -> None:
    rows = [DocumentRow(document_id="d1", plan_id="p1", audience=f"carer:{ME}-2")]
    assert readable(rows, "carer", ME) == []
