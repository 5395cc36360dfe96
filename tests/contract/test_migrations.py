"""Migrations on a real SQLite file left by an older server (PRAGMA user_version)."""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from server.plans.models import Change
from server.storage.sqlite import SqliteDatabase, _migrations
from server.storage.sqlite_records import SqliteRecords


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
