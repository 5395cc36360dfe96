"""SQLite on aiosqlite: the database (connections, migrations, group commit), documents.

Two connections: a writer owned by one committer task, and a reader for loads and queries
(WAL lets it read committed data while the writer works). Writes from any number of callers
are queued; the committer takes everything queued, writes it in ONE transaction and fsyncs
once (synchronous=FULL), then wakes every caller. Under load, durability costs one fsync
per batch, not per change. Feature records (sqlite_records.py) share the same database.
"""

import asyncio
import functools
import logging
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import msgspec

from server.clock import now_ms
from server.errors import StorageError
from server.ids import DocumentId
from server.roles import Role
from server.storage.protocol import ChangeRecord, LoggedChange, StoredDocument

log = logging.getLogger(__name__)

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    # A checkpoint that empties the WAL restarts it from the beginning but leaves the file
    # as large as it ever grew (a burst, a VACUUM); past this size it is cut back.
    f"PRAGMA journal_size_limit={4 << 20}",
)
# Freed pages (compacted change bytes, erased plans) go back to the file system at shutdown
# instead of staying in the file for ever. Only settable before the first table exists, or
# by a VACUUM (done once, after the migration that compacted the change log).
_AUTO_VACUUM = "PRAGMA auto_vacuum=INCREMENTAL"
_VACUUMED_AT = 9

# Into the view `changes`: its trigger (migration 0008) files the row into the compact tables.
_INSERT_CHANGE = """
INSERT OR IGNORE INTO changes
    (doc_id, hash, actor, seq, change_time_ms, received_at_ms, peer_id, account_id, role, bytes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_BIND_ACTOR = "INSERT OR IGNORE INTO actors (actor, account_id, first_seen_ms) VALUES (?, ?, ?)"
_UPSERT_SNAPSHOT = """
INSERT INTO snapshots (doc_id, data, upto_log_id, created_at_ms) VALUES (?, ?, ?, ?)
ON CONFLICT (doc_id) DO UPDATE SET
    data = excluded.data, upto_log_id = excluded.upto_log_id, created_at_ms = excluded.created_at_ms
WHERE excluded.upto_log_id >= snapshots.upto_log_id
"""
# Compaction: the bytes of changes the snapshot covers go; their log rows stay.
_COMPACT = """
DELETE FROM change_bytes
WHERE doc = (SELECT id FROM documents WHERE doc_id = ?)
  AND log_id <= (SELECT upto_log_id FROM snapshots WHERE doc_id = ?)
"""
# One statement, so it reads one consistent state even while a compaction commits.
_LOAD = """
SELECT data, upto_log_id FROM snapshots WHERE doc_id = :doc
UNION ALL
SELECT bytes, log_id FROM (
    SELECT bytes, log_id FROM change_bytes
    WHERE doc = (SELECT id FROM documents WHERE doc_id = :doc)
      AND log_id > COALESCE((SELECT upto_log_id FROM snapshots WHERE doc_id = :doc), 0)
    ORDER BY log_id
)
"""
_QUARANTINE = """
INSERT OR IGNORE INTO quarantined_changes (doc_id, hash, bytes, reason, quarantined_at_ms)
VALUES (?, ?, ?, ?, ?)
"""
_LIST_CHANGES = """
SELECT c.hash, o.actor, c.seq, c.change_time_ms, c.received_at_ms, o.peer_id, o.account_id, o.role
FROM change_log c JOIN change_origins o ON o.id = c.origin
WHERE c.doc = (SELECT id FROM documents WHERE doc_id = ?) ORDER BY c.log_id
"""

# Result codes that mean the storage itself failed (full, unreadable, gone, read-only), not
# one write: a batch failing with one of them fails as a whole, without retrying each write.
_STORAGE_FAILURES = frozenset(
    {
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_PERM,
    }
)
# Health's write probe: rewrites a row it does not change, so it costs one small commit.
_PROBE = "UPDATE meta SET value = value WHERE key = 'storage_id'"

Write = Callable[[aiosqlite.Connection], Awaitable[None]]
Row = tuple[Any, ...]
T = TypeVar("T")


Rows = list[tuple[Any, ...]]


class _Pending(msgspec.Struct):
    done: asyncio.Future[int]
    write: Write | None = None
    many: list[tuple[str, Rows]] = msgspec.field(default_factory=list)
    """Row inserts that may be merged with other writes' (one executemany per statement)."""


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("server.storage") / "migrations"
    scripts = sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name)
    return [(int(p.name.split("_", 1)[0]), p.read_text(encoding="utf-8")) for p in scripts]


class SqliteDatabase:
    """One SQLite file: a writer behind a group-commit queue, and a read-only reader."""

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self._writer = writer
        self.reader = reader
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._committer = asyncio.create_task(self._commit_loop(), name="sqlite-committer")
        self.failure: str | None = None
        """Why the storage last failed (full, unreadable...); None once a commit succeeds."""
        self.failed_at = 0.0  # time.monotonic() of that failure

    @classmethod
    async def open(cls, path: Path) -> "SqliteDatabase":
        """Open (creating it if needed) and migrate; StorageError if it can't be written."""
        # Checked with plain sqlite3 first: aiosqlite leaves its thread running when its
        # connect fails, and the thread then fails noisily once the loop is gone.
        await asyncio.to_thread(_check_writable, path)
        writer = await aiosqlite.connect(path, isolation_level=None)
        try:
            for pragma in _PRAGMAS:
                await writer.execute(pragma)
            await _migrate(writer)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await reader.execute("PRAGMA query_only=ON")
        except BaseException:
            await writer.close()
            raise
        return cls(writer, reader)

    async def check(self) -> str | None:
        """None if the database reads (and, after a failure, writes) now; otherwise why not."""
        try:
            await self.reader.execute_fetchall("SELECT COUNT(*) FROM meta")
        except sqlite3.Error as e:
            return str(self._failed(f"the database could not be read: {_reason(e)}"))
        if self.failure is not None:

            async def probe(db: aiosqlite.Connection) -> None:
                await db.execute(_PROBE)

            try:
                await self.write(probe)
            except StorageError as e:
                return str(e)
        return None

    def failing(self, within_s: float) -> str | None:
        """The storage's failure if it happened in the last `within_s` seconds."""
        if self.failure is None or time.monotonic() - self.failed_at > within_s:
            return None
        return self.failure

    def _failed(self, reason: str) -> StorageError:
        if reason != self.failure:  # the filter in server/logs.py collapses repeats too
            log.error("storage failed: %s", reason)
        self.failure, self.failed_at = reason, time.monotonic()
        return StorageError(reason)

    async def write(self, write: Write) -> int:
        """Run `write` in the next group commit; return the change log's last position."""
        return await self._enqueue(write=write)

    async def transact(self, work: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Like `write`, returning what `work` returns (read and write in one transaction)."""
        results: list[T] = []

        async def write(db: aiosqlite.Connection) -> None:
            results.append(await work(db))

        await self.write(write)
        return results[0]

    async def insert_many(self, statements: list[tuple[str, Rows]]) -> int:
        """Like `write`, for plain statements (one per row of parameters), in list order.

        A batch runs each statement once with every caller's rows (one executemany), in the
        order the statements first appear in it: a caller must not need another caller's
        statements to run before its own.
        """
        return await self._enqueue(many=statements)

    async def _enqueue(self, **work: Any) -> int:
        if self._committer.done():
            raise StorageError("database is closed")
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(done, **work))
        return await done

    async def fetch(self, sql: str, params: Sequence[object] | dict[str, object] = ()) -> list[Row]:
        try:
            return [tuple(r) for r in await self.reader.execute_fetchall(sql, params)]
        except sqlite3.Error as e:
            if _is_storage_failure(e):
                raise self._failed(f"the database could not be read: {_reason(e)}") from e
            raise StorageError(f"the database could not be read: {_reason(e)}") from e

    async def close(self) -> None:
        """Finish every queued write, give back free pages, empty the WAL and close."""
        await self._queue.put(None)
        await self._committer
        await self.reader.close()
        try:
            await _on_writer_thread(self._writer, _tidy)
        finally:
            await self._writer.close()

    async def _commit_loop(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            batch: list[_Pending] = []
            item: _Pending | None = first
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                if self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._commit(batch)

    async def _commit(self, batch: list[_Pending]) -> None:
        """Commit a batch and settle every caller in it, whatever the writes raise.

        The committer task outlives any failure: a write that raises anything (a bug, a
        panic from a native library, which is a BaseException) fails only its own caller,
        never the loop, so no later caller can wait for ever.
        """
        try:
            position = await self._transaction(batch)
        except asyncio.CancelledError:
            for pending in batch:
                _settle(pending, error=StorageError("the database was closed mid-commit"))
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 - a native panic is a BaseException too
            if isinstance(e, sqlite3.Error) and _is_storage_failure(e):
                # The storage failed, not one write: all fail alike, with one log line.
                error = self._failed(f"the database could not be written: {_reason(e)}")
                for pending in batch:
                    _settle(pending, error=error)
                return
            await self._commit_alone(batch, e)
            return
        self.failure = None
        for pending in batch:
            _settle(pending, position=position)

    async def _commit_alone(self, batch: list[_Pending], e: BaseException) -> None:
        if len(batch) == 1:
            if not isinstance(e, StorageError):
                log.error("storage write failed", exc_info=e)
            _settle(batch[0], error=e if isinstance(e, StorageError) else StorageError(str(e)))
            return
        # One bad write must not fail the others it was batched with: retry one by one.
        for pending in batch:
            await self._commit([pending])

    async def _transaction(self, batch: list[_Pending]) -> int:
        """One transaction for the batch, in as few hops to aiosqlite's thread as it allows.

        Each hop is a queue put, a wake-up of the worker thread and, for the answer, a turn of
        a possibly busy event loop. Row inserts (merged statement by statement: one
        executemany each) run in the same hop as BEGIN, and the log position is read in the
        same hop as COMMIT; a batch of inserts only (every append of changes) costs one hop.
        Writes that need the connection themselves (`write`) run between those hops.
        """
        db = self._writer
        merged: dict[str, Rows] = {}
        for pending in batch:
            for sql, rows in pending.many:
                merged.setdefault(sql, []).extend(rows)
        writes = [pending.write for pending in batch if pending.write is not None]
        if not writes:
            return await _on_writer_thread(db, _insert_and_commit, merged)
        await _on_writer_thread(db, _begin_and_insert, merged)
        try:
            for write in writes:
                await write(db)
        except BaseException:
            await _on_writer_thread(db, _roll_back)
            raise
        return await _on_writer_thread(db, _commit)


Conn = sqlite3.Connection


async def _on_writer_thread(db: aiosqlite.Connection, work: Callable[..., T], *args: object) -> T:
    """Run `work(connection, *args)` on the connection's own thread, in one hop.

    aiosqlite's `_execute` is what each of its own methods uses to do exactly this; it is
    not public, so the version is pinned (pyproject.toml) and every commit goes through here.
    """
    result: T = await db._execute(work, db._conn, *args)  # type: ignore[no-untyped-call]
    return result


def _roll_back(conn: Conn) -> None:
    # SQLite has already rolled back after some failures (SQLITE_FULL, an I/O error in
    # COMMIT): a ROLLBACK then raises "no transaction is active", hiding why.
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error as e:
            log.warning("rollback after a failed write failed too: %s", e)


def _begin_and_insert(conn: Conn, merged: dict[str, Rows]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, rows in merged.items():
            insert_rows(conn, sql, rows)
    except BaseException:
        _roll_back(conn)
        raise


# `INSERT ... VALUES (?, ..., ?) [rest]`: the one row's placeholders, and what surrounds them.
_ONE_ROW = re.compile(r"(?is)^(.*\bVALUES\s*)(\((?:\s*\?\s*,)*\s*\?\s*\))(.*)$")
MAX_ROWS_PER_STATEMENT = 256
"""Rows per multi-row statement (a power of two; 256 rows of 10 columns bind 2,560 values,
far below SQLite's limit of 32,766)."""


def insert_rows(conn: Conn, sql: str, rows: Rows) -> None:
    """Run `sql` once per row of `rows`, in order, in as few statements as possible.

    sqlite3 lets go of the GIL for every step of a statement and must take it back after.
    While the event loop is busy, taking it back waits for the loop to yield it, up to the
    interpreter's switch interval each time: an `executemany` of 40 rows (80 steps) then
    takes 400 ms instead of 1 ms, and every commit's callers wait that long. A multi-row
    `VALUES` list inserts the same rows, in the same order, with the same conflict handling
    and triggers (which fire per row either way), in one step. Chunks are powers of two so
    that few distinct statements reach sqlite3's statement cache.
    """
    match = _ONE_ROW.match(sql)
    if match is None or len(rows) == 1:
        conn.executemany(sql, rows)
        return
    done = 0
    while done < len(rows):
        count = _chunk(len(rows) - done)
        chunk = rows[done : done + count]
        conn.execute(_rows_statement(sql, count), [value for row in chunk for value in row])
        done += count


def _chunk(remaining: int) -> int:
    """The largest power of two that is at most `remaining` and MAX_ROWS_PER_STATEMENT."""
    return min(1 << (remaining.bit_length() - 1), MAX_ROWS_PER_STATEMENT)


@functools.lru_cache(maxsize=64)
def _rows_statement(sql: str, count: int) -> str:
    match = _ONE_ROW.match(sql)
    assert match is not None  # noqa: S101 - only called for statements that matched
    head, row, tail = match.groups()
    return head + ", ".join([row] * count) + tail


def _commit(conn: Conn) -> int:
    try:
        last = conn.execute("SELECT COALESCE(MAX(log_id), 0) FROM change_log").fetchone()
        conn.execute("COMMIT")
    except BaseException:
        _roll_back(conn)
        raise
    return int(last[0])


def _insert_and_commit(conn: Conn, merged: dict[str, Rows]) -> int:
    _begin_and_insert(conn, merged)
    return _commit(conn)


def _tidy(conn: Conn) -> None:
    """At shutdown: free pages back to the file system, and the WAL into the database file.

    The next start then finds one file of the size its data needs. Nothing here is needed
    for durability (every commit is already in the WAL, fsync'd): a failure is only logged.
    """
    try:
        # Through executescript: execute() steps a statement once, which frees one page.
        conn.executescript("PRAGMA incremental_vacuum;")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.Error as e:
        log.warning("could not tidy the database file at shutdown: %s", _reason(e))


class SqliteDocumentStore:
    def __init__(self, db: SqliteDatabase, *, owns_database: bool = False) -> None:
        self._db = db
        self._owns_database = owns_database

    @classmethod
    async def open(cls, path: Path) -> "SqliteDocumentStore":
        """A store with a database of its own (closed with the store)."""
        return cls(await SqliteDatabase.open(path), owns_database=True)

    async def append_changes(self, document_id: DocumentId, changes: list[ChangeRecord]) -> int:
        rows = [
            (
                document_id,
                c.hash,
                c.actor,
                c.seq,
                c.change_time_ms,
                c.received_at_ms,
                c.peer_id,
                c.account_id,
                c.role,
                c.data,
            )
            for c in changes
        ]
        bindings = [(c.actor, c.account_id, c.received_at_ms) for c in changes if c.account_id]
        return await self._db.insert_many([(_INSERT_CHANGE, rows), (_BIND_ACTOR, bindings)])

    async def save_snapshot(self, document_id: DocumentId, data: bytes, log_position: int) -> None:
        # Plain statements: they run in the batch's single hop to the writer thread. Within
        # a batch they may run after another write's appends, which is the same: those
        # changes' positions are past `log_position`, so compaction leaves their bytes.
        await self._db.insert_many(
            [
                (_UPSERT_SNAPSHOT, [(document_id, data, log_position, now_ms())]),
                (_COMPACT, [(document_id, document_id)]),
            ]
        )

    async def set_meta(self, key: str, value: str) -> None:
        async def write(db: aiosqlite.Connection) -> None:
            await db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

        await self._db.write(write)

    async def load(self, document_id: DocumentId) -> StoredDocument | None:
        rows = await self._db.fetch(_LOAD, {"doc": document_id})
        if not rows:
            return None
        return StoredDocument(b"".join(r[0] for r in rows), max(r[1] for r in rows))

    async def list_changes(self, document_id: DocumentId) -> list[LoggedChange]:
        rows = await self._db.fetch(_LIST_CHANGES, (document_id,))
        return [
            LoggedChange(
                hash=r[0],
                actor=r[1],
                seq=r[2],
                change_time_ms=r[3],
                received_at_ms=r[4],
                peer_id=r[5],
                account_id=r[6],
                role=None if r[7] is None else Role(r[7]),
            )
            for r in rows
        ]

    async def actor_bindings(self) -> dict[bytes, str]:
        rows = await self._db.fetch("SELECT actor, account_id FROM actors")
        return {bytes(r[0]): str(r[1]) for r in rows}

    async def snapshotted_documents(self) -> list[DocumentId]:
        rows = await self._db.fetch("SELECT doc_id FROM snapshots ORDER BY doc_id")
        return [DocumentId(str(r[0])) for r in rows]

    async def quarantine(
        self, document_id: DocumentId, changes: list[tuple[bytes, bytes]], reason: str
    ) -> None:
        now = now_ms()
        rows = [(document_id, h, data, reason, now) for h, data in changes]
        await self._db.insert_many([(_QUARANTINE, rows)])

    async def get_meta(self, key: str) -> str | None:
        rows = await self._db.fetch("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    async def close(self) -> None:
        if self._owns_database:
            await self._db.close()


def _check_writable(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as e:
        hint = f"(is {path.parent} a writable directory?)"
        raise StorageError(f"cannot open the database {path}: {_reason(e)} {hint}") from e
    try:
        db.execute(_AUTO_VACUUM)  # takes effect only in a new, empty file
        db.execute("PRAGMA journal_mode=WAL")
        # A read-only file or directory may open, and even read, fine: write something.
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        db.executescript(f"BEGIN IMMEDIATE; PRAGMA user_version = {version}; COMMIT;")
    except sqlite3.Error as e:
        raise StorageError(f"cannot write the database {path}: {_reason(e)}") from e
    finally:
        db.close()


def _is_storage_failure(e: sqlite3.Error) -> bool:
    code = getattr(e, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _STORAGE_FAILURES


def _reason(e: BaseException) -> str:
    return e.strerror or str(e) if isinstance(e, OSError) else str(e)


def _settle(pending: _Pending, *, position: int = 0, error: Exception | None = None) -> None:
    if pending.done.done():  # the caller gave up waiting; the write itself still happened
        return
    if error is None:
        pending.done.set_result(position)
    else:
        pending.done.set_exception(error)


async def _migrate(db: aiosqlite.Connection) -> None:
    rows = list(await db.execute_fetchall("PRAGMA user_version"))
    current = int(rows[0][0])
    for version, script in _migrations():
        if version <= current:
            continue
        log.info("migrating database schema to version %d", version)
        await db.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
        )
    if 0 < current < _VACUUMED_AT:
        await _vacuum(db)


async def _vacuum(db: aiosqlite.Connection) -> None:
    """Rewrite the file once: what the old change log took returns to the file system.

    Done once, by the server that upgrades an existing database (it needs up to the file's
    size again in free space, and time in proportion to it, before serving); the database
    then frees pages incrementally. A failure (no room) leaves the database as it was.
    """
    rows = list(await db.execute_fetchall("PRAGMA auto_vacuum"))
    if int(rows[0][0]) == 2:  # already incremental (created so), nothing to rewrite
        return
    log.info("rewriting the database file once, to give back the old change log's space")
    try:
        await db.execute(_AUTO_VACUUM)
        await db.execute("VACUUM")
    except sqlite3.Error as e:
        log.warning("could not rewrite the database file (%s); it keeps its size", _reason(e))
