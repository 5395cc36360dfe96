"""PostgreSQL's migrations: in step with SQLite's, applied once when processes start at once."""

import asyncio

import psycopg

from server.storage.postgres import PostgresDatabase, _migrate, migrations
from server.storage.postgres_records import PostgresRecords
from server.storage.sqlite import _migrations as sqlite_migrations


def test_both_databases_have_the_same_numbered_migrations() -> None:
    assert [n for n, _ in migrations()] == [n for n, _ in sqlite_migrations()]
    assert [n for n, _ in migrations()] == list(range(1, len(migrations()) + 1))


async def test_processes_starting_at_once_apply_each_migration_once(postgres_url: str) -> None:
    opened = await asyncio.gather(*(PostgresDatabase.open(postgres_url) for _ in range(4)))
    for database in opened:
        await database.close()

    with psycopg.connect(postgres_url) as db:
        versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [n for n, _ in migrations()]


async def test_membership_events_are_rebuilt_from_the_audit_log(postgres_url: str) -> None:
    """The same history as the SQLite test of migration 7 gives the same events."""
    await _migrate(postgres_url, upto=6)
    audit = [
        ("create-plan", "pat", "pat", None),
        ("accept-invite", "cat", "cat", "carer"),
        ("accept-invite", "pat", "pat", "carer"),
        ("accept-invite", "lee", "lee", "clinician"),
        ("accept-invite", "lee", "lee", "viewer"),
        ("invite", "pat", None, "carer"),
        ("revoke-member", "pat", "cat", None),
        ("accept-invite", "cat", "cat", "clinician"),
        ("leave", "lee", "lee", "account deleted"),
    ]
    with psycopg.connect(postgres_url) as db:
        db.cursor().executemany(
            "INSERT INTO accounts (id, email, display_name, password_hash, created_at_ms)"
            " VALUES (%s, %s, %s, '', 1)",
            [(a, f"{a}@example.invalid", a.title()) for a in ("pat", "cat", "lee")],
        )
        db.execute(
            "INSERT INTO plans (id, person_id, title, created_at_ms) VALUES ('p', 'pat', 'P', 1)"
        )
        db.cursor().executemany(
            "INSERT INTO audit_log (plan_id, by_account, action, subject, detail, at_ms)"
            " VALUES ('p', %s, %s, %s, %s, %s)",
            [
                (by, action, subject, detail, 1000 + i)
                for i, (action, by, subject, detail) in enumerate(audit)
            ],
        )
    database = await PostgresDatabase.open(postgres_url)
    try:
        events = await PostgresRecords(database).membership_events("p")
    finally:
        await database.close()

    assert [(e.kind, e.subject_id, e.by_id, e.role, e.previous_role, e.at_ms) for e in events] == [
        ("joined", "cat", "cat", "carer", None, 1001),
        ("joined", "lee", "lee", "clinician", None, 1003),
        ("removed", "cat", "pat", "carer", None, 1006),
        ("joined", "cat", "cat", "clinician", "carer", 1007),
        ("left", "lee", "lee", "clinician", None, 1008),
    ]
