"""PushRecords on every database: one VAPID key, subscriptions per account, claims once."""

import pytest

from server.roles import Role
from server.storage.backends import Storage
from server.storage.push import PlanOfDocument, ReviewDue, SubscriptionRow
from server.storage.records import AccountRow, PlanRow, ReviewRow
from tests.support.automerge_docs import new_document_id


@pytest.fixture
async def accounts(storage: Storage) -> Storage:
    for name in ("pat", "lee", "kim"):
        await storage.records.create_account(
            AccountRow(
                id=f"u-{name}",
                email=f"{name}@example.invalid",
                display_name=name,
                password_hash="not-a-hash",  # noqa: S106 - a test account
            ),
            1,
        )
    return storage


def row(endpoint: str, account_id: str, kinds: tuple[str, ...] = ("proposal",)) -> SubscriptionRow:
    return SubscriptionRow(
        endpoint=endpoint, account_id=account_id, p256dh="key", auth="secret", kinds=kinds
    )


async def test_the_first_key_stored_is_everyones(storage: Storage) -> None:
    first = await storage.push.vapid_key("first", 1)
    second = await storage.push.vapid_key("second", 2)
    assert (first, second) == ("first", "first")


async def test_an_endpoint_belongs_to_whoever_subscribed_it_last(accounts: Storage) -> None:
    push = accounts.push
    await push.subscribe(row("https://push.example/a", "u-pat"), 1)
    await push.subscribe(row("https://push.example/b", "u-pat", ("membership",)), 1)
    await push.subscribe(row("https://push.example/a", "u-lee", ("review-due",)), 2)
    assert await push.subscriptions(["u-pat"]) == [
        row("https://push.example/b", "u-pat", ("membership",))
    ]
    assert await push.subscriptions(["u-lee", "u-kim"]) == [
        row("https://push.example/a", "u-lee", ("review-due",))
    ]
    assert not await push.unsubscribe("u-pat", "https://push.example/a")  # Lee's now
    assert await push.unsubscribe("u-lee", "https://push.example/a")
    await push.drop("https://push.example/b")
    assert await push.subscriptions(["u-pat", "u-lee"]) == []
    assert await push.subscriptions([]) == []


async def test_a_key_is_claimed_once_until_forgotten(storage: Storage) -> None:
    push = storage.push
    assert await push.claim("proposal:d:1", "plan-1", 10)
    assert not await push.claim("proposal:d:1", "plan-1", 20)
    assert await push.claim("proposal:d:2", "plan-1", 30)
    assert await push.forget_sent(20) == 1
    assert await push.claim("proposal:d:1", "plan-1", 40)
    assert not await push.claim("proposal:d:2", "plan-1", 50)


async def test_reviews_due_on_a_date_name_each_active_clinician(accounts: Storage) -> None:
    records = accounts.records
    document_id = new_document_id()
    await records.create_plan(
        PlanRow(id="plan-1", person_id="u-pat", title="Plan", document_id=document_id), 1
    )
    for clinician in ("u-lee", "u-kim"):
        await records.create_invite(clinician.encode(), "plan-1", Role.CLINICIAN, "u-pat", 1, 99)
        await records.accept_invite(clinician.encode(), clinician, 2)
    await records.revoke_member("plan-1", "u-kim", "u-pat", 3)

    def review(review_id: str, at: int, due: str) -> ReviewRow:
        return ReviewRow(
            id=review_id,
            plan_id="plan-1",
            document_id=document_id,
            reviewer_id="u-lee",
            note="Reviewed",
            next_review=due,
            reviewed_at_ms=at,
            received_at_ms=at,
            heads={},
            change_hash="cd" * 32,
        )

    await accounts.reviews.save_reviews([review("r1", 10, "2031-05-07")])
    assert await accounts.push.reviews_due("2031-05-07") == [
        ReviewDue(plan_id="plan-1", clinician_id="u-lee")
    ]
    await accounts.reviews.save_reviews([review("r2", 20, "2031-06-01")])  # the latest counts
    assert await accounts.push.reviews_due("2031-05-07") == []
    assert await accounts.push.plan_of_document(document_id) == PlanOfDocument(
        plan_id="plan-1", person_id="u-pat", audience="everyone"
    )
    assert await accounts.push.plan_of_document(new_document_id()) is None
    assert await accounts.push.person_of_plan("plan-1") == "u-pat"

    # Claims go with their plan: the person's account (and so the plan) is erased.
    assert await accounts.push.claim("review-due:plan-1:2031-05-07", "plan-1", 30)
    await accounts.push.subscribe(row("https://push.example/p", "u-pat"), 30)
    assert await accounts.erasure.erase_account("u-pat", 40) is not None
    assert await accounts.push.claim("review-due:plan-1:2031-05-07", "plan-1", 50)
    assert await accounts.push.subscriptions(["u-pat"]) == []
