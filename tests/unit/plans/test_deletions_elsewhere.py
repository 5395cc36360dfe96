"""Documents another process announced deleted: refused here, and forgotten in time.

The announcement comes before the erasure commits, so the policy refuses the document while
the database still has it; once the database no longer has it, or after
DELETED_ELSEWHERE_S (the erasure failed), the database answers again and the id is
forgotten. Real SQLite records; the policy's clock is a number the test moves.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.database_url import SqliteLocation
from server.plans.access import DELETED_ELSEWHERE_S, PlanPolicy
from server.storage.backends import Storage, open_storage
from server.storage.records import AccountRow, PlanRow
from tests.support.automerge_docs import new_document_id

NOW_MS = 1_800_000_000_000


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(SqliteLocation(tmp_path / "plans.db"))
    yield opened
    await opened.close()


async def plan_of(storage: Storage, person: str) -> PlanRow:
    account = AccountRow(
        id=person,
        email=f"{person}@example.invalid",
        display_name=person.title(),
        password_hash="not-a-hash",  # noqa: S106 - a test account
    )
    await storage.records.create_account(account, NOW_MS)
    plan = PlanRow(id=f"plan-{person}", person_id=person, title="P", document_id=new_document_id())
    assert await storage.records.create_plan(plan, NOW_MS)
    return plan


async def test_a_document_deleted_elsewhere_is_refused_until_the_database_agrees(
    storage: Storage,
) -> None:
    clock = Clock()
    policy = PlanPolicy(storage.records, clock)
    plan = await plan_of(storage, "pat")
    doc = plan.document_id
    assert await policy.document(doc) is not None  # cached as registered

    policy.deleting_elsewhere([doc])
    clock.now += DELETED_ELSEWHERE_S - 1
    assert await policy.document(doc) is None  # the database still has it: not committed yet
    assert policy.deletions_elsewhere == 1

    assert await storage.erasure.erase_account("pat", NOW_MS + 1) is not None
    assert await policy.document(doc) is None
    assert policy.deletions_elsewhere == 0  # the database refuses it by itself now
    assert await policy.document(doc) is None


async def test_a_deletion_that_never_commits_is_refused_only_for_a_while(
    storage: Storage,
) -> None:
    clock = Clock()
    policy = PlanPolicy(storage.records, clock)
    plan = await plan_of(storage, "pat")
    policy.deleting_elsewhere([plan.document_id])
    assert await policy.document(plan.document_id) is None

    clock.now += DELETED_ELSEWHERE_S  # the erasure failed (its process refuses it no more)

    row = await policy.document(plan.document_id)
    assert row is not None
    assert row.plan_id == plan.id
    assert policy.deletions_elsewhere == 0


async def test_memory_holds_only_the_recent_deletions_elsewhere(storage: Storage) -> None:
    clock = Clock()
    policy = PlanPolicy(storage.records, clock)
    per_second = 20
    for _ in range(3 * int(DELETED_ELSEWHERE_S)):  # three windows of deletions, none looked up
        policy.deleting_elsewhere([new_document_id() for _ in range(per_second)])
        clock.now += 1
    assert policy.deletions_elsewhere <= per_second * DELETED_ELSEWHERE_S
    # The latest are still refused, whatever the database says.
    recent = new_document_id()
    policy.deleting_elsewhere([recent])
    assert await policy.document(recent) is None
