"""ReviewRecords on every database: upserted sign-offs, oldest first, with names."""

import pytest

from server.storage.backends import Storage
from server.storage.records import AccountRow, PlanRow, ReviewRecords, ReviewRow
from tests.support.automerge_docs import new_document_id


@pytest.fixture
async def reviews(storage: Storage) -> ReviewRecords:
    records = storage.records
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
    return storage.reviews


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
    reviews: ReviewRecords,
) -> None:
    await reviews.save_reviews([review("later", 2000), review("earlier", 1000)])
    await reviews.save_reviews([review("later", 2000, note="Reviewed with Alex")])

    listed = await reviews.reviews("plan-1")

    assert [(r.id, r.note, name) for r, name in listed] == [
        ("earlier", "Reviewed", "Dr Lee"),
        ("later", "Reviewed with Alex", "Dr Lee"),
    ]
    assert listed[0][0] == review("earlier", 1000)
    assert await reviews.reviews("another-plan") == []
