"""Migrations on a real SQLite file left by an older server (PRAGMA user_version)."""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from server.ids import DocumentId
from server.plans.models import Change
from server.storage.protocol import StoredDocument
from server.storage.sqlite import SqliteDatabase, SqliteDocumentStore, _migrations
from server.storage.sqlite_records import SqliteRecords
from tests.support.automerge_docs import document_with, records_of


def old_database(path: Path, version: int) -> None:
    """The schema exactly as migrations 1..`version` left it, as an older server made it."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        for number, script in _migrations():
            if number <= version:
                db.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                )


NOW_S = 1_768_999_999  # 2026-01-21T12:53:19Z in whole seconds, as Automerge records it
RECEIVED_MS = 1_769_000_001_500

# hash byte -> (change_time_ms as an older server stored it, what it must be after migrating)
ROWS = {
    1: (NOW_S, NOW_S * 1000),  # seconds read as ms (the official client): rescaled
    2: (0, 0),  # no time recorded (the Python binding): stays unknown, not 1970
    3: (1_768_999_999_123, 1_768_999_999_123),  # already ms: left alone
    4: (946_684_800_000, 946_684_800_000),  # the threshold itself is ms: left alone
    5: (-5, 0),  # before 1970: unknown
    6: (300_000_000_000, 0),  # seconds past year 9999: unknown, not a crash
    7: (1, 1000),  # the smallest time: one second after the epoch
}


async def test_change_times_stored_as_seconds_are_rescaled_and_no_others(tmp_path: Path) -> None:
    path = tmp_path / "plans.db"
    old_database(path, 5)
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO changes (doc_id, hash, actor, seq, change_time_ms, received_at_ms)"
            " VALUES ('doc-1', ?, x'aa', ?, ?, ?)",
            [(bytes([h]) * 32, h, old, RECEIVED_MS) for h, (old, _) in ROWS.items()],
        )
    db = await SqliteDatabase.open(path)
    try:
        rows = await SqliteRecords(db).changes(["doc-1"])
    finally:
        await db.close()

    assert {r.hash[0]: r.change_time_ms for r in rows} == {h: new for h, (_, new) in ROWS.items()}
    shown = {r.hash[0]: Change.of(r).change_time for r in rows}
    assert shown[1] == datetime(2026, 1, 21, 12, 53, 19, tzinfo=UTC)
    assert [shown[2], shown[5], shown[6]] == [None, None, None]
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] >= 6


async def test_reopening_a_migrated_database_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "plans.db"
    old_database(path, 5)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "INSERT INTO changes (doc_id, hash, actor, seq, change_time_ms, received_at_ms)"
            " VALUES ('doc-1', ?, x'aa', 1, ?, ?)",
            (b"\x01" * 32, NOW_S, RECEIVED_MS),
        )
    for _ in range(2):
        db = await SqliteDatabase.open(path)
        await db.close()
    with closing(sqlite3.connect(path)) as raw:
        (stored,) = raw.execute("SELECT change_time_ms FROM changes").fetchone()
    assert stored == NOW_S * 1000


async def test_membership_events_are_rebuilt_from_the_audit_log(tmp_path: Path) -> None:
    """An accepted invitation counts only if it made a member; a removal ends that role."""
    path = tmp_path / "plans.db"
    old_database(path, 6)
    audit = [
        ("create-plan", "pat", "pat", None),
        ("accept-invite", "cat", "cat", "carer"),
        ("accept-invite", "pat", "pat", "carer"),  # the person's own invitation: no change
        ("accept-invite", "lee", "lee", "clinician"),
        ("accept-invite", "lee", "lee", "viewer"),  # already a member: no change
        ("invite", "pat", None, "carer"),
        ("revoke-member", "pat", "cat", None),
        ("accept-invite", "cat", "cat", "clinician"),
        ("leave", "lee", "lee", "account deleted"),
    ]
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO accounts (id, email, display_name, password_hash, created_at_ms)"
            " VALUES (?, ?, ?, '', 1)",
            [(a, f"{a}@example.invalid", a.title()) for a in ("pat", "cat", "lee")],
        )
        db.execute(
            "INSERT INTO plans (id, person_id, title, created_at_ms) VALUES ('p', 'pat', 'P', 1)"
        )
        db.executemany(
            "INSERT INTO audit_log (plan_id, by_account, action, subject, detail, at_ms)"
            " VALUES ('p', ?, ?, ?, ?, ?)",
            [
                (by, action, subject, detail, 1000 + i)
                for i, (action, by, subject, detail) in enumerate(audit)
            ],
        )
    db = await SqliteDatabase.open(path)
    try:
        events = await SqliteRecords(db).membership_events("p")
    finally:
        await db.close()

    assert [(e.kind, e.subject_id, e.by_id, e.role, e.previous_role, e.at_ms) for e in events] == [
        ("joined", "cat", "cat", "carer", None, 1001),
        ("joined", "lee", "lee", "clinician", None, 1003),
        ("removed", "cat", "pat", "carer", None, 1006),
        ("joined", "cat", "cat", "clinician", "carer", 1007),
        ("left", "lee", "lee", "clinician", None, 1008),
    ]
    assert [e.subject_name for e in events] == ["Cat", "Lee", "Cat", "Cat", "Lee"]


# Rows as a version 7 server stored them: (log_id, doc_id, hash byte, actor, seq, peer_id,
# account_id, role, bytes); bytes None where a snapshot had compacted them.
V7_CHANGES = [
    (1, "doc-1", 1, b"\xaa" * 16, 1, "phone", "pat", "person", None),
    (2, "doc-1", 2, b"\xbb" * 16, 1, "carer-phone", "cat", "carer", None),
    (3, "doc-2", 1, b"\xaa" * 16, 2, "phone", "pat", "person", b"change 3"),
    (4, "doc-1", 3, b"\xaa" * 16, 2, "laptop", "pat", "person", b"change 4"),
    (5, "doc-2", 2, b"\xcc" * 16, 1, None, None, None, b"change 5"),
    (7, "doc-1", 4, b"\xaa" * 16, 3, "phone", "pat", None, b"change 7"),
]
V7_COLUMNS = (
    "log_id, doc_id, hash, actor, seq, change_time_ms, received_at_ms, peer_id, account_id,"
    " role, bytes"
)


def v7_database(path: Path) -> list[tuple[object, ...]]:
    """A version 8 file (its change log as version 7 left it) with changes, snapshots and
    bindings; every change row as it was."""
    old_database(path, 8)
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            f"INSERT INTO changes ({V7_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            [
                (log, doc, bytes([h]) * 32, actor, seq, 1_000 * log, RECEIVED_MS + log, *rest)
                for log, doc, h, actor, seq, *rest in V7_CHANGES
            ],
        )
        # Position 8 was used by a change since erased: positions are never handed out twice.
        db.execute(
            "INSERT INTO changes (log_id, doc_id, hash, actor, seq, change_time_ms, received_at_ms)"
            " VALUES (8, 'gone', x'01', x'01', 1, 0, 0)"
        )
        db.execute("DELETE FROM changes WHERE log_id = 8")
        db.execute(
            "INSERT INTO snapshots (doc_id, data, upto_log_id, created_at_ms)"
            " VALUES ('doc-1', x'5e', 2, 1)"
        )
        db.execute(
            "INSERT INTO actors VALUES (?, 'pat', 1), (?, 'cat', 1)", (b"\xaa" * 16, b"\xbb" * 16)
        )
        return db.execute(f"SELECT {V7_COLUMNS} FROM changes ORDER BY log_id").fetchall()  # noqa: S608


async def test_the_compact_change_log_keeps_every_change_row_and_its_attribution(
    tmp_path: Path,
) -> None:
    path = tmp_path / "plans.db"
    before = v7_database(path)

    db = await SqliteDatabase.open(path)
    store = SqliteDocumentStore(db)
    try:
        after = await db.fetch(f"SELECT {V7_COLUMNS} FROM changes ORDER BY log_id")  # noqa: S608
        logged = await store.list_changes(DocumentId("doc-1"))
        rows = await SqliteRecords(db).changes(["doc-1", "doc-2"])
        loaded = await store.load(DocumentId("doc-1"))
        bindings = await store.actor_bindings()
        [added] = records_of(document_with({"a": "1"}))
        position = await store.append_changes(DocumentId("doc-2"), [added])
        again = await store.append_changes(DocumentId("doc-1"), [added])
    finally:
        await db.close()

    assert after == before
    assert [(c.hash[0], c.peer_id, c.account_id, c.role) for c in logged] == [
        (1, "phone", "pat", "person"),
        (2, "carer-phone", "cat", "carer"),
        (3, "laptop", "pat", "person"),
        (4, "phone", "pat", None),
    ]
    assert [(r.document_id, r.hash[0], r.account_id, r.role) for r in rows] == [
        (doc, h, account, role) for _, doc, h, _, _, _, account, role, _ in V7_CHANGES
    ]
    # The snapshot, then the changes it does not cover, in log order.
    assert loaded == StoredDocument(b"\x5echange 4change 7", 7)
    assert bindings == {b"\xaa" * 16: "pat", b"\xbb" * 16: "cat"}
    assert position > 8
    assert again > position
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, after VACUUM
        assert raw.execute("PRAGMA user_version").fetchone()[0] >= 9
