"""A full disk, as SQLite meets it: `PRAGMA max_page_count` on the server's writer connection.

Set through the database's public `write`; a growing write then fails with SQLITE_FULL
exactly as on a full file system.
"""

import aiosqlite

from server.storage.sqlite import SqliteDatabase


async def limit_growth(database: SqliteDatabase, pages: int | None) -> None:
    """Let the database grow by `pages` more pages only (None: no limit again)."""

    async def write(db: aiosqlite.Connection) -> None:
        rows = list(await db.execute_fetchall("PRAGMA page_count"))
        limit = 1_073_741_823 if pages is None else int(rows[0][0]) + pages
        await db.execute(f"PRAGMA max_page_count = {limit}")

    await database.write(write)
