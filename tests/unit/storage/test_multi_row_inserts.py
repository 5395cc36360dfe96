"""SQLite's group commit writes many callers' rows as multi-row statements (sqlite.insert_rows)."""

import sqlite3
from contextlib import closing

import pytest

from server.storage.sqlite import MAX_ROWS_PER_STATEMENT, insert_rows

_SCHEMA = """
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE, size INTEGER);
CREATE TABLE seen (item INTEGER, name TEXT);
CREATE VIEW named AS SELECT name, size FROM items;
CREATE TRIGGER named_insert INSTEAD OF INSERT ON named
BEGIN
    INSERT OR IGNORE INTO items (name, size) VALUES (NEW.name, NEW.size);
    INSERT INTO seen (item, name) SELECT last_insert_rowid(), NEW.name WHERE changes() = 1;
END;
"""


def _database() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(_SCHEMA)
    return conn


@pytest.mark.parametrize("count", [0, 1, 2, 3, 255, 256, 257, 600])
def test_every_row_is_inserted_once_in_order_through_the_trigger(count: int) -> None:
    rows = [(f"n{i}", i) for i in range(count)] + [("n0", 99)] * (count > 0)  # and a duplicate

    with closing(_database()) as conn:
        insert_rows(conn, "INSERT OR IGNORE INTO named (name, size) VALUES (?, ?)", rows)

        items = conn.execute("SELECT name, size FROM items ORDER BY id").fetchall()
        seen = conn.execute("SELECT item, name FROM seen ORDER BY rowid").fetchall()
    assert items == [(f"n{i}", i) for i in range(count)]
    # The trigger ran per row: each new item was seen once, with its own rowid.
    assert seen == [(i + 1, f"n{i}") for i in range(count)]


def test_rows_go_in_few_statements() -> None:
    statements: list[str] = []
    with closing(_database()) as conn:
        conn.set_trace_callback(statements.append)
        rows = [(f"n{i}", i) for i in range(2 * MAX_ROWS_PER_STATEMENT + 3)]
        insert_rows(conn, "INSERT INTO items (name, size) VALUES (?, ?)", rows)
        conn.set_trace_callback(None)

        assert conn.execute("SELECT count(*) FROM items").fetchone() == (len(rows),)
    # 256 + 256 + 2 + 1 rows: four statements, not 515.
    assert [s.count("(") for s in statements] == [257, 257, 3, 2]


def test_a_statement_without_a_values_list_runs_once_per_row() -> None:
    with closing(_database()) as conn:
        conn.executemany("INSERT INTO items (name, size) VALUES (?, ?)", [("a", 1), ("b", 2)])
        insert_rows(conn, "UPDATE items SET size = size + ? WHERE name = ?", [(10, "a"), (20, "b")])

        assert conn.execute("SELECT name, size FROM items ORDER BY id").fetchall() == [
            ("a", 11),
            ("b", 22),
        ]


def test_an_upsert_keeps_its_conflict_clause_across_rows() -> None:
    sql = (
        "INSERT INTO items (name, size) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET size = excluded.size WHERE excluded.size > items.size"
    )
    with closing(_database()) as conn:
        insert_rows(conn, sql, [("a", 1), ("a", 5), ("a", 3), ("b", 2)])

        assert conn.execute("SELECT name, size FROM items ORDER BY id").fetchall() == [
            ("a", 5),
            ("b", 2),
        ]
