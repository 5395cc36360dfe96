"""The caseload's counts outlive a restart and serve every process; a commit that no count
followed (a crash in between) makes them stale, never wrong. Real SQLite and PostgreSQL."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from automerge.core import Document

from server.auth.credentials import secret_hash
from server.auth.policy import Identity
from server.caseload.service import CaseloadService
from server.caseload.summaries import Summaries
from server.clock import zone
from server.database_url import PostgresLocation, SqliteLocation
from server.ids import DocumentId
from server.roles import Role
from server.storage.backends import Storage, open_storage
from server.storage.protocol import (
    ChangeRecord,
    DocumentStore,
    LoggedChange,
    StoredDocument,
)
from server.storage.records import AccountRow, PlanRow
from tests.support.automerge_docs import new_document_id, new_proposal, plan_document

CLINICIAN = "u-clinician"
SECTIONS = ["coping", "warning-signs", "review-log"]


class LoadsSeen:
    """A DocumentStore that notes which documents are loaded, then loads them for real."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store
        self.loaded: list[str] = []

    async def load(self, document_id: DocumentId) -> StoredDocument | None:
        self.loaded.append(document_id)
        return await self._store.load(document_id)

    async def append_changes(self, document_id: DocumentId, changes: list[ChangeRecord]) -> int:
        return await self._store.append_changes(document_id, changes)

    async def save_snapshot(self, document_id: DocumentId, data: bytes, log_position: int) -> None:
        await self._store.save_snapshot(document_id, data, log_position)

    async def list_changes(self, document_id: DocumentId) -> list[LoggedChange]:
        return await self._store.list_changes(document_id)

    async def actor_bindings(self) -> dict[bytes, str]:
        return await self._store.actor_bindings()

    async def snapshotted_documents(self) -> list[DocumentId]:
        return await self._store.snapshotted_documents()

    async def quarantine(
        self, document_id: DocumentId, changes: list[tuple[bytes, bytes]], reason: str
    ) -> None:
        await self._store.quarantine(document_id, changes, reason)

    async def get_meta(self, key: str) -> str | None:
        return await self._store.get_meta(key)

    async def set_meta(self, key: str, value: str) -> None:
        await self._store.set_meta(key, value)

    async def close(self) -> None:
        await self._store.close()


class Server:
    """One server process's caseload on the database (its own connections, its own memory)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.store = LoadsSeen(storage.store)
        self.service = CaseloadService(
            storage.records,
            storage.caseload,
            storage.reviews,
            self.store,
            Summaries(),
            zone("Europe/London"),
        )

    async def waiting(self) -> tuple[int | None, list[str]]:
        """The one plan's waiting suggestions, and the documents read to answer."""
        self.store.loaded.clear()
        answer = await self.service.caseload(Identity(account_id=CLINICIAN))
        [plan] = answer.plans
        return plan.waiting_suggestions, list(self.store.loaded)


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> SqliteLocation | PostgresLocation:
    if request.param == "sqlite":
        return SqliteLocation(tmp_path / "plans.db")
    return PostgresLocation(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def started(location: SqliteLocation | PostgresLocation) -> AsyncIterator[list[Server]]:
    """Servers opened on the location; every one is closed after the test."""
    servers: list[Server] = []
    yield servers
    for server in servers:
        await server.storage.close()


async def start(location: SqliteLocation | PostgresLocation, started: list[Server]) -> Server:
    server = Server(await open_storage(location))
    started.append(server)
    return server


async def a_plan_with_suggestions(storage: Storage, document_id: str) -> Document:
    """A person's plan of which CLINICIAN is a clinician; its document has two suggestions."""
    for account in ("u-person", CLINICIAN):
        await storage.records.create_account(
            AccountRow(
                id=account,
                email=f"{account}@example.invalid",
                display_name=account,
                password_hash="not-a-hash",  # noqa: S106 - never signs in
            ),
            1,
        )
    plan = PlanRow(id="plan-1", person_id="u-person", title="Plan", document_id=document_id)
    await storage.records.create_plan(plan, 1)
    code = secret_hash("code")
    await storage.records.create_invite(code, "plan-1", Role.CLINICIAN, "u-person", 1, 10**15)
    await storage.records.accept_invite(code, CLINICIAN, 2)
    doc = plan_document("everyone", SECTIONS)
    new_proposal(doc, "coping", "Bake bread")
    new_proposal(doc, "warning-signs", "Stops eating")
    await append(storage, document_id, doc, [])
    return doc


async def append(storage: Storage, document_id: str, doc: Document, since: list[bytes]) -> None:
    """Commit the changes since `since`, as a sync would: the change rows, nothing else."""
    changes = [
        ChangeRecord(
            hash=bytes(c.hash),
            actor=bytes(c.actor_id),
            seq=c.seq,
            data=bytes(c.raw_bytes),
            change_time_ms=0,
            received_at_ms=1000 + n,
            account_id="u-person",
            role=Role.PERSON,
        )
        for n, c in enumerate(doc.get_changes(since))
    ]
    await storage.store.append_changes(DocumentId(document_id), changes)


async def test_the_first_answer_after_a_restart_reads_no_unchanged_document(
    location: SqliteLocation | PostgresLocation, started: list[Server]
) -> None:
    document_id = new_document_id()
    first = await start(location, started)
    await a_plan_with_suggestions(first.storage, document_id)

    counted = await first.waiting()
    again = await first.waiting()
    await first.storage.close()
    started.remove(first)
    restarted = await start(location, started)
    after_restart = await restarted.waiting()

    assert counted == (2, [document_id])
    assert again == (2, [])
    assert after_restart == (2, [])  # read from the table, no document loaded


async def test_a_commit_no_count_followed_is_read_again_after_a_restart(
    location: SqliteLocation | PostgresLocation, started: list[Server]
) -> None:
    """The crash between a commit and a count: the row count says the figures are stale."""
    document_id = new_document_id()
    first = await start(location, started)
    doc = await a_plan_with_suggestions(first.storage, document_id)
    before = await first.waiting()
    heads = list(doc.get_heads())
    new_proposal(doc, "coping", "Call Jo")
    await append(first.storage, document_id, doc, heads)  # committed; then the process dies
    await first.storage.close()
    started.remove(first)

    restarted = await start(location, started)
    after_crash = await restarted.waiting()
    then = await restarted.waiting()

    assert before == (2, [document_id])
    assert after_crash == (3, [document_id])
    assert then == (3, [])


async def test_counts_one_process_keeps_serve_another_and_its_changes_make_them_stale(
    location: SqliteLocation | PostgresLocation, started: list[Server]
) -> None:
    """Two processes on one database at once (PostgreSQL; for SQLite, two connections)."""
    document_id = new_document_id()
    one = await start(location, started)
    other = await start(location, started)
    doc = await a_plan_with_suggestions(one.storage, document_id)

    counted_by_one = await one.waiting()
    read_by_other = await other.waiting()
    heads = list(doc.get_heads())
    new_proposal(doc, "coping", "Swim")
    await append(other.storage, document_id, doc, heads)  # committed by the other process
    recounted_by_one = await one.waiting()
    read_by_other_again = await other.waiting()

    assert counted_by_one == (2, [document_id])
    assert read_by_other == (2, [])
    assert recounted_by_one == (3, [document_id])
    assert read_by_other_again == (3, [])
