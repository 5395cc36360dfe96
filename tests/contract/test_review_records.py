"""The reviews table (ReviewRecords on SQLite): upserted sign-offs, oldest first, with names."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.storage.records import AccountRow, PlanRow, ReviewRow
from server.storage.sqlite import SqliteDatabase
from server.storage.sqlite_records import SqliteRecords
from server.storage.sqlite_reviews import SqliteReviews
from tests.support.automerge_docs import new_document_id


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    opened = await SqliteDatabase.open(tmp_path / "plans.db")
    records = SqliteRecords(opened)
    for account_id, name in (("u-person", "Alex"), ("u-clinician", "Dr Lee")):
        account = AccountRow(
            id=account_id,
            email=f"{account_id}@example.invalid",
            display_name=name,
            password_hash="not-a-hash",  # noqa: S106 - a test account
        )
        await records.create_account(account, 1)
    plan = PlanRow(id="plan-1", person_id="u-person", title="Plan", document_id=new_document_id())
    await records.create_plan(plan, 1)
    yield opened
    await opened.close()


def review(review_id: str, reviewed_at_ms: int, note: str = "Reviewed") -> ReviewRow:
    return ReviewRow(
        id=review_id,
        plan_id="plan-1",
        document_id="doc-1",
        reviewer_id="u-clinician",
        note=note,
        next_review="2027-01-31",
        reviewed_at_ms=reviewed_at_ms,
        received_at_ms=reviewed_at_ms + 5,
        heads={"doc-1": ["ab" * 32]},
        change_hash="cd" * 32,
    )


async def test_sign_offs_are_upserted_and_listed_oldest_first_with_the_reviewers_name(
    database: SqliteDatabase,
) -> None:
    reviews = SqliteReviews(database)
    await reviews.save_reviews([review("later", 2000), review("earlier", 1000)])
    await reviews.save_reviews([review("later", 2000, note="Reviewed with Alex")])

    listed = await reviews.reviews("plan-1")

    assert [(r.id, r.note, name) for r, name in listed] == [
        ("earlier", "Reviewed", "Dr Lee"),
        ("later", "Reviewed with Alex", "Dr Lee"),
    ]
    assert listed[0][0] == review("earlier", 1000)
    assert await reviews.reviews("another-plan") == []
