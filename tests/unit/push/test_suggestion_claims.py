"""A carer typing in a pending suggestion: each message reaches PushService.proposals_made,
and only the first costs the database a plan lookup and a claim."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.clock import zone
from server.database_url import SqliteLocation
from server.push.sender import WebPushSender, new_private_key, public_key
from server.push.service import DECIDED_PROPOSALS, PushService
from server.storage.backends import Storage, open_storage
from server.storage.push import PlanOfDocument
from server.storage.records import AccountRow, PlanRow
from tests.support.automerge_docs import new_document_id


class CountedPush:
    """The real SQLite PushRecords, counting the calls a suggestion's message can cost."""

    def __init__(self, records: Any) -> None:
        self._records = records
        self.lookups = 0
        self.claims: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._records, name)

    async def plan_of_document(self, document_id: str) -> PlanOfDocument | None:
        self.lookups += 1
        found: PlanOfDocument | None = await self._records.plan_of_document(document_id)
        return found

    async def claim(self, key: str, plan_id: str, now_ms: int) -> bool:
        self.claims.append(key)
        claimed: bool = await self._records.claim(key, plan_id, now_ms)
        return claimed


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(SqliteLocation(tmp_path / "plans.db"))
    yield opened
    await opened.close()


async def _service(storage: Storage) -> tuple[PushService, CountedPush, str]:
    for name in ("pat", "cat"):
        await storage.records.create_account(
            AccountRow(
                id=f"u-{name}",
                email=f"{name}@example.invalid",
                display_name=name,
                password_hash="not-a-hash",  # noqa: S106 - a test account
            ),
            1,
        )
    document_id = new_document_id()
    await storage.records.create_plan(
        PlanRow(id="plan-1", person_id="u-pat", title="Plan", document_id=document_id), 1
    )
    records = CountedPush(storage.push)
    private = new_private_key()
    sender = WebPushSender(private, "mailto:team@example.invalid", allow_loopback=True)
    service = PushService(records, sender, public_key(private), time_zone=zone("Europe/London"))
    return service, records, document_id


async def test_typing_in_a_suggestion_claims_it_once(storage: Storage) -> None:
    service, records, document_id = await _service(storage)
    try:
        for _ in range(30):  # every keystroke's message
            service.proposals_made(document_id, "u-cat", ["0a1b"])
        await service.drain()
        service.proposals_made(document_id, "u-cat", ["0a1b", "0c2d"])  # and another one
        await service.drain()
    finally:
        await service.close()

    assert records.lookups == 2
    assert records.claims == [f"proposal:{document_id}:0a1b", f"proposal:{document_id}:0c2d"]


async def test_a_suggestion_whose_claim_failed_is_tried_again(tmp_path: Path) -> None:
    storage = await open_storage(SqliteLocation(tmp_path / "plans.db"))
    service, records, document_id = await _service(storage)
    try:
        await storage.close()  # the database is gone: the lookup fails
        service.proposals_made(document_id, "u-cat", ["0a1b"])
        await service.drain()
        service.proposals_made(document_id, "u-cat", ["0a1b"])
        await service.drain()
    finally:
        await service.close()

    assert records.lookups == 2  # not remembered as decided


async def test_what_is_remembered_is_bounded(storage: Storage) -> None:
    service, records, document_id = await _service(storage)
    try:
        for n in range(DECIDED_PROPOSALS + 1):
            service.proposals_made(document_id, "u-pat", [f"{n:x}"])  # the person's own
            if n % 500 == 0:
                await service.drain()
        await service.drain()
        service.proposals_made(document_id, "u-pat", ["0"])  # the oldest was forgotten
        service.proposals_made(document_id, "u-pat", [f"{DECIDED_PROPOSALS:x}"])  # not this one
        await service.drain()
    finally:
        await service.close()

    assert records.lookups == DECIDED_PROPOSALS + 2
    assert records.claims == []  # the person's own suggestions tell nobody


async def test_a_suggestion_that_was_not_stored_tells_nobody_until_it_is(storage: Storage) -> None:
    service, records, document_id = await _service(storage)

    async def commit_failed() -> bool:
        return False

    async def committed() -> bool:
        return True

    try:
        service.proposals_made(document_id, "u-cat", ["0a1b"], commit_failed)
        await service.drain()
        assert (records.lookups, records.claims) == (0, [])
        # The carer's phone sends it again, and this time it is stored.
        service.proposals_made(document_id, "u-cat", ["0a1b"], committed)
        await service.drain()
    finally:
        await service.close()

    assert records.lookups == 1
    assert records.claims == [f"proposal:{document_id}:0a1b"]
