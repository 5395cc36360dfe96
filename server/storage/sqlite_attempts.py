"""The throttles' AttemptLog in SQLite (table sign_in_attempts), on the shared database."""

import aiosqlite

from server.storage.attempts import FORGET_AFTER_MS, attempt_key
from server.storage.sqlite import SqliteDatabase


class SqliteAttemptLog:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def times(self, key: str, since_ms: int) -> list[int]:
        rows = await self._db.fetch(
            "SELECT at_ms FROM sign_in_attempts WHERE key = ? AND at_ms >= ? ORDER BY at_ms",
            (attempt_key(key), since_ms),
        )
        return [int(r[0]) for r in rows]

    async def record(self, keys: list[str], at_ms: int, keep_ms: int) -> None:
        hashed = [attempt_key(k) for k in keys]

        async def write(db: aiosqlite.Connection) -> None:
            await db.executemany(
                "DELETE FROM sign_in_attempts WHERE key = ? AND at_ms < ?",
                [(k, at_ms - keep_ms) for k in hashed],
            )
            await db.execute(
                "DELETE FROM sign_in_attempts WHERE at_ms < ?", (at_ms - FORGET_AFTER_MS,)
            )
            await db.executemany(
                "INSERT INTO sign_in_attempts (key, at_ms) VALUES (?, ?)",
                [(k, at_ms) for k in hashed],
            )

        await self._db.write(write)

    async def forget(self, key: str) -> None:
        hashed = attempt_key(key)

        async def write(db: aiosqlite.Connection) -> None:
            await db.execute("DELETE FROM sign_in_attempts WHERE key = ?", (hashed,))

        await self._db.write(write)
