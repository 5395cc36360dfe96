"""Rows a running server stored, read straight from its database (SQLite file or PostgreSQL).

Only committed rows are visible, which is what "stored" means: the server acknowledges a
write only after its commit. Queries use `?` placeholders (turned into psycopg's `%s`).
"""

import sqlite3
from typing import Any

import psycopg

from server.settings import Settings


def stored_rows(
    settings: Settings, query: str, params: tuple[Any, ...] = ()
) -> list[tuple[Any, ...]]:
    """`query`'s rows from the database `settings` name."""
    if settings.database_url is not None:
        with psycopg.connect(settings.database_url) as pg:
            return pg.execute(query.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]
    db = sqlite3.connect(f"{settings.database_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return db.execute(query, params).fetchall()
    finally:
        db.close()
