"""CaseloadRecords on every database: documents of many plans, latest sign-offs, activity,
and the figures kept per document (read by any process, never put back to an older reading)."""

import os
from pathlib import Path

import pytest

from server.database_url import PostgresLocation, SqliteLocation
from server.ids import DocumentId
from server.storage.backends import Storage, open_storage
from server.storage.protocol import ChangeRecord
from server.storage.records import (
    AccountRow,
    DocumentActivity,
    DocumentCounts,
    DocumentRow,
    PlanRow,
    ReviewRow,
)
from tests.support.automerge_docs import new_document_id


class Plans:
    def __init__(self, storage: Storage, documents: dict[str, str]) -> None:
        self.storage = storage
        self.documents = documents
        """The first document of each plan, by plan id."""


@pytest.fixture
async def plans(storage: Storage) -> Plans:
    account = AccountRow(
        id="u-person",
        email="u-person@example.invalid",
        display_name="Alex",
        password_hash="not-a-hash",  # noqa: S106 - a test account
    )
    await storage.records.create_account(account, 1)
    documents = {}
    for plan_id in ("plan-1", "plan-2", "plan-3"):
        document_id = new_document_id()
        plan = PlanRow(id=plan_id, person_id="u-person", title="Plan", document_id=document_id)
        await storage.records.create_plan(plan, 1)
        documents[plan_id] = document_id
    return Plans(storage, documents)


def review(plan_id: str, review_id: str, reviewed_at_ms: int, due: str | None) -> ReviewRow:
    return ReviewRow(
        id=review_id,
        plan_id=plan_id,
        document_id="doc",
        reviewer_id="u-clinician",
        note="Reviewed",
        next_review=due,
        reviewed_at_ms=reviewed_at_ms,
        received_at_ms=reviewed_at_ms + 5,
        heads={"doc": ["ab" * 32]},
        change_hash="cd" * 32,
    )


def changes(received: list[int]) -> list[ChangeRecord]:
    actor = os.urandom(16)
    return [
        ChangeRecord(
            hash=os.urandom(32),
            actor=actor,
            seq=n + 1,
            data=b"change",
            change_time_ms=0,
            received_at_ms=at,
        )
        for n, at in enumerate(received)
    ]


async def test_documents_of_many_plans_in_one_answer(plans: Plans) -> None:
    records = plans.storage.records
    extra = new_document_id()
    await records.register_document(
        DocumentRow(document_id=extra, plan_id="plan-1", audience="clinicians"), "u-person", 2
    )

    found = await plans.storage.caseload.documents_of_plans(["plan-1", "plan-2", "unknown"])

    assert sorted((d.plan_id, d.document_id, d.audience) for d in found) == sorted(
        [
            ("plan-1", plans.documents["plan-1"], "everyone"),
            ("plan-1", extra, "clinicians"),
            ("plan-2", plans.documents["plan-2"], "everyone"),
        ]
    )
    assert await plans.storage.caseload.documents_of_plans([]) == []


async def test_each_plans_latest_sign_off_in_the_order_reviews_lists_them(plans: Plans) -> None:
    await plans.storage.reviews.save_reviews(
        [
            review("plan-1", "b-later", 2000, "2027-02-01"),
            review("plan-1", "a-earlier", 1000, "2027-01-01"),
            review("plan-2", "only", 1500, None),
        ]
    )

    latest = await plans.storage.caseload.latest_reviews(["plan-1", "plan-2", "plan-3"])
    listed = await plans.storage.reviews.reviews("plan-1")

    assert latest == {
        "plan-1": review("plan-1", "b-later", 2000, "2027-02-01"),
        "plan-2": review("plan-2", "only", 1500, None),
    }
    assert listed[-1][0] == latest["plan-1"]
    assert await plans.storage.caseload.latest_reviews([]) == {}


async def test_activity_counts_every_change_and_those_received_after_a_time(
    plans: Plans,
) -> None:
    store = plans.storage.store
    first, second, quiet = (plans.documents[p] for p in ("plan-1", "plan-2", "plan-3"))
    await store.append_changes(DocumentId(first), changes([100, 200, 300]))
    await store.append_changes(DocumentId(second), changes([50]))

    found = await plans.storage.caseload.activity({first: 150, second: -1, quiet: -1})

    assert sorted(found, key=lambda a: a.changes) == [
        DocumentActivity(document_id=second, changes=1, changes_after=1, last_received_ms=50),
        DocumentActivity(document_id=first, changes=3, changes_after=2, last_received_ms=300),
    ]
    assert await plans.storage.caseload.activity({}) == []


def counted(document_id: str, changes: int, pending: int) -> DocumentCounts:
    return DocumentCounts(document_id=document_id, changes=changes, pending_suggestions=pending)


async def test_figures_are_kept_per_document_with_the_rows_they_were_read_from(
    plans: Plans,
) -> None:
    caseload = plans.storage.caseload
    first, second, never = (plans.documents[p] for p in ("plan-1", "plan-2", "plan-3"))
    await caseload.save_counts([counted(first, 3, 1), counted(second, 1, 0)])
    await caseload.save_counts([counted(first, 5, 2)])  # read again after two more changes
    await caseload.save_counts([])

    assert await caseload.counts([first, second, never]) == {
        first: counted(first, 5, 2),
        second: counted(second, 1, 0),
    }
    assert await caseload.counts([]) == {}


async def test_an_older_reading_never_replaces_a_newer_one(plans: Plans) -> None:
    """Two readers racing (two processes): the one that read fewer rows loses."""
    caseload = plans.storage.caseload
    document = plans.documents["plan-1"]
    await caseload.save_counts([counted(document, 8, 2)])
    await caseload.save_counts([counted(document, 7, 3)])
    assert await caseload.counts([document]) == {document: counted(document, 8, 2)}

    await caseload.save_counts([counted(document, 8, 2), counted(document, 9, 0)])
    assert await caseload.counts([document]) == {document: counted(document, 9, 0)}


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> SqliteLocation | PostgresLocation:
    if request.param == "sqlite":
        return SqliteLocation(tmp_path / "plans.db")
    return PostgresLocation(request.getfixturevalue("postgres_url"))


async def test_figures_one_process_keeps_are_what_another_reads(
    location: SqliteLocation | PostgresLocation,
) -> None:
    """Two servers on one database (PostgreSQL's several processes; SQLite after a restart)."""
    one = await open_storage(location)
    other = await open_storage(location)
    try:
        await one.caseload.save_counts([counted("doc-a", 4, 1)])
        read_by_other = await other.caseload.counts(["doc-a"])
        await other.caseload.save_counts([counted("doc-a", 6, 2)])
        read_by_one = await one.caseload.counts(["doc-a"])
    finally:
        await other.close()
        await one.close()

    assert read_by_other == {"doc-a": counted("doc-a", 4, 1)}
    assert read_by_one == {"doc-a": counted("doc-a", 6, 2)}
