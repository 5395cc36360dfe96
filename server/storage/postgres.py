"""PostgreSQL on psycopg 3: the database (pool, migrations, group commit) and documents.

Any number of processes may serve one database (docs/decisions.md, "Several processes"):
each commit takes a per-document transaction lock before inserting a document's changes, so
for one document the log order is the commit order, and it NOTIFYs `CHANGES_CHANNEL` with
the document's new position in the same transaction (heard only once committed;
postgres_feed.py listens). Actor bindings are claimed in the committing transaction: the
database, not a process's memory, decides who owns an actor id.

The same shape as sqlite.py: writes from any number of callers are queued, and one committer
task writes everything queued in ONE transaction on its own connection, so durability costs
one WAL flush per batch (`synchronous_commit = on`: COMMIT returns once the WAL is on disk,
and on a synchronous standby too where the operator has one). Each write of a batch runs in
its own savepoint, so one bad write fails alone. Reads go through a small pool. Feature
records (postgres_records.py...) share the same database.
"""

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any, TypeVar

import msgspec
import psycopg
from psycopg.abc import Params
from psycopg.abc import QueryNoTemplate as Query
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from server.clock import now_ms
from server.errors import StorageError
from server.ids import DocumentId
from server.storage.protocol import (
    ActorTaken,
    ChangeRecord,
    ChangesAfter,
    LoggedChange,
    StoredDocument,
)

log = logging.getLogger(__name__)

Connection = psycopg.AsyncConnection[tuple[Any, ...]]
Write = Callable[[Connection], Awaitable[None]]
Row = tuple[Any, ...]
Rows = list[tuple[Any, ...]]
T = TypeVar("T")

# pg_advisory_xact_lock key taken by each migration's transaction: processes starting at once
# apply each migration exactly once, in order (an arbitrary constant, ours alone).
MIGRATION_LOCK = 0x5AFE_0001
# First key of the two-key pg_advisory_xact_lock(DOCUMENT_LOCK, hashtext(doc_id)) a commit
# takes before inserting a document's changes (the two-key space is apart from MIGRATION_LOCK's).
DOCUMENT_LOCK = 0x5AFE_0003
CHANGES_CHANNEL = "plan_changes"
"""NOTIFY payload: "<origin> <previous position> <position> <document id>[ <changes>]".

<changes>: the document's change chunks logged between the two positions, base64, joined by
commas; left out when the payload would exceed `NOTIFY_BYTES` (the listener reads the log)."""
NOTIFY_BYTES = 7999
"""PostgreSQL refuses a NOTIFY payload of 8000 bytes or more."""
ACCESS_CHANNEL = "plan_access"
"""NOTIFY payload: "<origin> <event>" (server/sync/cluster.py encodes the event)."""
POOL_SIZE = 4
CONNECT_TIMEOUT_S = 10

_INSERT_CHANGE = """
INSERT INTO changes
    (doc_id, hash, actor, seq, change_time_ms, received_at_ms, peer_id, account_id, role, bytes)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (doc_id, hash) DO NOTHING
"""
_BIND_ACTOR = """
INSERT INTO actors (actor, account_id, first_seen_ms) VALUES (%s, %s, %s)
ON CONFLICT (actor) DO NOTHING
"""
_ACTOR_OWNERS = "SELECT actor, account_id FROM actors WHERE actor = ANY(%s)"
# In one order in every process (by key), so two commits never wait for each other's locks.
_LOCK_DOCUMENTS = """
SELECT COUNT(pg_advisory_xact_lock(%s::int4, k)) FROM (
    SELECT DISTINCT hashtext(d) AS k FROM unnest(%s::text[]) AS d ORDER BY k
) AS keys
"""
_POSITIONS = """
SELECT d, COALESCE((SELECT MAX(log_id) FROM changes WHERE doc_id = d), 0)
FROM unnest(%s::text[]) AS d
"""
# The rows the transaction logged for its documents (after each one's previous position),
# with their bytes only while the document's running total could fit in a notification:
# a large upload is not read back.
_LOGGED = """
SELECT c.doc_id, c.log_id, CASE
    WHEN SUM(octet_length(c.bytes)) OVER (PARTITION BY c.doc_id ORDER BY c.log_id) <= %s
    THEN c.bytes END
FROM unnest(%s::text[], %s::bigint[]) AS p(d, after)
JOIN changes c ON c.doc_id = p.d AND c.log_id > p.after
ORDER BY c.log_id
"""
_NOTIFY = """
SELECT (SELECT COUNT(pg_notify(%s, payload)) FROM unnest(%s::text[]) AS payload),
       COALESCE(MAX(log_id), 0)
FROM changes
"""
_LAST_POSITION = "SELECT 0, COALESCE(MAX(log_id), 0) FROM changes"
_CHANGES_AFTER = """
SELECT 0 AS part, data, upto_log_id AS position FROM snapshots
WHERE doc_id = %(doc)s AND upto_log_id > %(after)s
UNION ALL
SELECT 1, bytes, log_id FROM changes
WHERE doc_id = %(doc)s AND bytes IS NOT NULL AND log_id > GREATEST(
    %(after)s, COALESCE((SELECT upto_log_id FROM snapshots WHERE doc_id = %(doc)s), 0)
)
ORDER BY part, position
"""
_UPSERT_SNAPSHOT = """
INSERT INTO snapshots (doc_id, data, upto_log_id, created_at_ms) VALUES (%s, %s, %s, %s)
ON CONFLICT (doc_id) DO UPDATE SET
    data = excluded.data, upto_log_id = excluded.upto_log_id, created_at_ms = excluded.created_at_ms
WHERE excluded.upto_log_id >= snapshots.upto_log_id
"""
_COMPACT = """
UPDATE changes SET bytes = NULL
WHERE doc_id = %(doc)s AND bytes IS NOT NULL
  AND log_id <= (SELECT upto_log_id FROM snapshots WHERE doc_id = %(doc)s)
"""
# One statement, so it reads one consistent state even while a compaction commits.
_LOAD = """
SELECT 0 AS part, data, upto_log_id AS position FROM snapshots WHERE doc_id = %(doc)s
UNION ALL
SELECT 1, bytes, log_id FROM changes
WHERE doc_id = %(doc)s AND bytes IS NOT NULL
  AND log_id > COALESCE((SELECT upto_log_id FROM snapshots WHERE doc_id = %(doc)s), 0)
ORDER BY part, position
"""
_QUARANTINE = """
INSERT INTO quarantined_changes (doc_id, hash, bytes, reason, quarantined_at_ms)
VALUES (%s, %s, %s, %s, %s) ON CONFLICT (doc_id, hash) DO NOTHING
"""
_LIST_CHANGES = """
SELECT hash, actor, seq, change_time_ms, received_at_ms, peer_id, account_id, role
FROM changes WHERE doc_id = %s ORDER BY log_id
"""
_UPSERT_META = """
INSERT INTO meta (key, value) VALUES (%s, %s)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
_SCHEMA_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version       integer PRIMARY KEY,
    applied_at_ms bigint  NOT NULL
)
"""
# Health's write probe: rewrites a row it does not change, so it costs one small commit.
_PROBE = "UPDATE meta SET value = value WHERE key = 'storage_id'"


class _Pending(msgspec.Struct):
    done: asyncio.Future[int]
    write: Write | None = None
    document: str | None = None
    """The document whose changes `many` inserts: locked, positioned and notified."""
    bindings: Rows = msgspec.field(default_factory=list)
    """(actor, account, time) claimed before the inserts; ActorTaken if one is another's."""
    many: list[tuple[Query, Rows]] = msgspec.field(default_factory=list)
    """Row inserts that may be merged with other writes' (one executemany per statement)."""
    error: BaseException | None = None


def migrations() -> list[tuple[int, str]]:
    """(number, script) of server/storage/postgres_migrations, in order."""
    folder = resources.files("server.storage") / "postgres_migrations"
    scripts = sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name)
    return [(int(p.name.split("_", 1)[0]), p.read_text(encoding="utf-8")) for p in scripts]


def _is_storage_failure(e: BaseException) -> bool:
    """The database itself is unreachable or refusing work, not one write being wrong."""
    return isinstance(e, psycopg.OperationalError | PoolTimeout) and not isinstance(
        e, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled
    )


def _reason(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


class PostgresDatabase:
    """One PostgreSQL database: a writer behind a group-commit queue, and a reader pool."""

    def __init__(self, url: str, writer: Connection, pool: AsyncConnectionPool) -> None:
        self._url = url
        self._writer = writer
        self._pool = pool
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._committer = asyncio.create_task(self._commit_loop(), name="postgres-committer")
        self.failure: str | None = None
        """Why the storage last failed (unreachable...); None once a commit succeeds."""
        self.failed_at = 0.0  # time.monotonic() of that failure
        self.origin = uuid.uuid4().hex[:16]
        """This process in NOTIFY payloads (it applies its own events as they happen)."""

    @classmethod
    async def open(cls, url: str) -> "PostgresDatabase":
        """Connect and migrate; StorageError (saying why, never the password) if it can't."""
        try:
            await _migrate(url)
            writer = await _connect_writer(url)
        except psycopg.Error as e:
            raise StorageError(f"cannot open the database {_safe(url)}: {_reason(e)}") from e
        pool: AsyncConnectionPool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            check=AsyncConnectionPool.check_connection,
            name="plans-readers",
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except BaseException as e:
            await writer.close()
            await pool.close()
            if isinstance(e, PoolTimeout):
                raise StorageError(f"cannot read the database {_safe(url)}: {e}") from e
            raise
        return cls(url, writer, pool)

    async def check(self) -> str | None:
        """None if the database reads (and, after a failure, writes) now; otherwise why not."""
        try:
            await self.fetch("SELECT COUNT(*) FROM meta")
        except StorageError as e:
            return str(e)
        if self.failure is not None:

            async def probe(db: Connection) -> None:
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
        return await self._enqueue(_Pending(self._new_future(), write=write))

    async def transact(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """Like `write`, returning what `work` returns (read and write in one transaction)."""
        results: list[T] = []

        async def write(db: Connection) -> None:
            results.append(await work(db))

        await self.write(write)
        return results[0]

    async def append(self, document: str, changes: Rows, bindings: Rows) -> int:
        """Insert a document's change rows; return its position after them (see module)."""
        pending = _Pending(
            self._new_future(),
            many=[(_INSERT_CHANGE, changes)],
            document=document,
            bindings=bindings,
        )
        return await self._enqueue(pending)

    async def insert_many(self, statements: list[tuple[Query, Rows]]) -> int:
        """Like `write`, for plain row inserts: those of one batch share one executemany."""
        return await self._enqueue(_Pending(self._new_future(), many=statements))

    def _new_future(self) -> asyncio.Future[int]:
        return asyncio.get_running_loop().create_future()

    async def _enqueue(self, pending: _Pending) -> int:
        if self._committer.done():
            raise StorageError("database is closed")
        await self._queue.put(pending)
        return await pending.done

    async def fetch(self, query: Query, params: Params | None = None) -> list[Row]:
        try:
            async with self._pool.connection() as conn:
                cursor = await conn.execute(query, params)
                return await cursor.fetchall()
        except (psycopg.Error, PoolTimeout) as e:
            reason = f"the database could not be read: {_reason(e)}"
            if _is_storage_failure(e):
                raise self._failed(reason) from e
            raise StorageError(reason) from e

    async def close(self) -> None:
        """Finish every queued write, then close the writer and the pool."""
        await self._queue.put(None)
        await self._committer
        await self._writer.close()
        await self._pool.close()

    @property
    def url(self) -> str:
        return self._url

    async def _commit_loop(self) -> None:
        stopping = False
        while not stopping:
            item: _Pending | None = await self._queue.get()
            batch: list[_Pending] = []
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

        The committer task outlives any failure: a write that raises anything fails only its
        own caller (its savepoint is rolled back), never the loop or the rest of the batch.
        """
        try:
            positions = await self._transaction(batch)
        except asyncio.CancelledError:
            for pending in batch:
                _settle(pending, error=StorageError("the database was closed mid-commit"))
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # whatever failed, every caller is told
            if _is_storage_failure(e):
                error = self._failed(f"the database could not be written: {_reason(e)}")
            else:
                log.error("storage commit failed", exc_info=e)
                error = StorageError(f"the database could not be written: {_reason(e)}")
            for pending in batch:
                _settle(pending, error=error)
            return
        self.failure = None
        for pending in batch:
            position = positions.get(pending.document, positions[None])
            _settle(pending, position=position, error=_storage_error(pending.error))

    async def _transaction(self, batch: list[_Pending]) -> dict[str | None, int]:
        """Commit the batch; return each document's position after it (None: the log's)."""
        db = await self._connected_writer()
        documents = sorted({p.document for p in batch if p.document is not None})
        async with db.transaction():
            previous: dict[str, int] = {}
            if documents:
                await db.execute(_LOCK_DOCUMENTS, (DOCUMENT_LOCK, documents))
                previous = await _positions(db, documents)
                await _claim_actors(db, batch)
            await self._insert_merged(db, [p for p in batch if p.error is None])
            for pending in batch:
                if pending.write is not None and pending.error is None:
                    await _in_savepoint(db, pending, pending.write)
            positions: dict[str | None, int] = {}
            payloads: list[str] = []
            if documents:
                logged = await _logged(db, previous)
                for d in documents:
                    positions[d] = logged[d][-1][0] if logged.get(d) else previous[d]
                    if d in logged:
                        payloads.append(_announcement(self.origin, previous[d], d, logged[d]))
            # NOTIFY is heard by the listeners only once this commits.
            cursor = await (
                db.execute(_NOTIFY, (CHANGES_CHANNEL, payloads))
                if payloads
                else db.execute(_LAST_POSITION)
            )
            row = await cursor.fetchone()
        positions[None] = int(row[1]) if row else 0
        return positions

    async def _insert_merged(self, db: Connection, batch: list[_Pending]) -> None:
        """One executemany per statement for the whole batch; one by one if that fails."""
        merged: dict[Query, Rows] = {}
        for pending in batch:
            for query, rows in pending.many:
                merged.setdefault(query, []).extend(rows)
        if not merged:
            return
        try:
            async with db.transaction():
                for query, rows in merged.items():
                    await db.cursor().executemany(query, rows)
        except psycopg.Error as e:
            if _is_storage_failure(e):
                raise
            for pending in batch:
                if pending.many:
                    await _in_savepoint(db, pending, _inserts(pending.many))

    async def _connected_writer(self) -> Connection:
        if self._writer.closed or self._writer.broken:
            log.warning("reconnecting the writer to the database")
            self._writer = await _connect_writer(self._url)
        return self._writer


async def _positions(db: Connection, documents: list[str]) -> dict[str, int]:
    cursor = await db.execute(_POSITIONS, (documents,))
    return {str(r[0]): int(r[1]) for r in await cursor.fetchall()}


async def _logged(db: Connection, previous: dict[str, int]) -> dict[str, list[tuple[int, Any]]]:
    """(position, bytes) of each document's rows after `previous`, in log order."""
    documents = list(previous)
    carried = NOTIFY_BYTES * 3 // 4  # base64 makes 4 characters of every 3 bytes
    cursor = await db.execute(_LOGGED, (carried, documents, [previous[d] for d in documents]))
    logged: dict[str, list[tuple[int, Any]]] = {}
    for doc_id, log_id, data in await cursor.fetchall():
        logged.setdefault(str(doc_id), []).append((int(log_id), data))
    return logged


def _announcement(origin: str, previous: int, document: str, rows: list[tuple[int, Any]]) -> str:
    """The NOTIFY payload for a document's new rows: with their bytes when they fit.

    A row without bytes (too many to carry, or compacted) leaves them all to the log read.
    """
    head = f"{origin} {previous} {rows[-1][0]} {document}"
    if any(data is None for _, data in rows):
        return head
    changes = ",".join(base64.b64encode(data).decode("ascii") for _, data in rows)
    if len(head) + 1 + len(changes) > NOTIFY_BYTES:
        return head
    return f"{head} {changes}"


async def _claim_actors(db: Connection, batch: list[_Pending]) -> None:
    """Bind the batch's new actors; a write whose actor is another account's fails alone.

    Insert first, then read the owners: a concurrent claim by another process waits on the
    primary key until that commits, so exactly one account wins each actor id.
    """
    claiming = [p for p in batch if p.bindings and p.error is None]
    if not claiming:
        return
    await db.cursor().executemany(_BIND_ACTOR, [r for p in claiming for r in p.bindings])
    actors = list({bytes(r[0]) for p in claiming for r in p.bindings})
    cursor = await db.execute(_ACTOR_OWNERS, (actors,))
    owners = {bytes(r[0]): str(r[1]) for r in await cursor.fetchall()}
    for pending in claiming:
        if any(owners.get(bytes(r[0])) != r[1] for r in pending.bindings):
            pending.error = ActorTaken({bytes(r[0]): owners[bytes(r[0])] for r in pending.bindings})


def _inserts(statements: list[tuple[Query, Rows]]) -> Write:
    async def write(db: Connection) -> None:
        for query, rows in statements:
            await db.cursor().executemany(query, rows)

    return write


async def _in_savepoint(db: Connection, pending: _Pending, write: Write) -> None:
    """Run one caller's write; if it raises, undo it alone and keep why for its caller."""
    try:
        async with db.transaction():
            await write(db)
    except asyncio.CancelledError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # a native panic is a BaseException too
        if _is_storage_failure(e):
            raise
        pending.error = e


def _storage_error(error: BaseException | None) -> Exception | None:
    if error is None or isinstance(error, StorageError):
        return error
    if not isinstance(error, psycopg.Error):
        log.error("storage write failed", exc_info=error)
    return StorageError(f"the database refused a write: {_reason(error)}")


def _settle(pending: _Pending, *, position: int = 0, error: Exception | None = None) -> None:
    if pending.done.done():  # the caller gave up waiting; the write itself still happened
        return
    if error is None:
        pending.done.set_result(position)
    else:
        pending.done.set_exception(error)


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    host, db = info.get("host", "localhost"), info.get("dbname", "")
    return f"postgresql://{info.get('user', '')}@{host}:{info.get('port', 5432)}/{db}"


async def _connect_writer(url: str) -> Connection:
    writer = await psycopg.AsyncConnection.connect(
        url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
    )
    # Durable before acknowledged, whatever the server's or the role's default says.
    await writer.execute("SET synchronous_commit = on")
    return writer


async def _migrate(url: str, upto: int | None = None) -> None:
    """Apply every migration not applied yet, each in its own transaction, under a lock.

    `upto`: stop after that version (tests make the database an older server left).
    """
    async with await psycopg.AsyncConnection.connect(
        url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
    ) as db:
        for version, script in migrations():
            if upto is not None and version > upto:
                break
            async with db.transaction():
                await db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                await db.execute(_SCHEMA_VERSIONS)
                cursor = await db.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = %s", (version,)
                )
                if await cursor.fetchone():
                    continue
                log.info("migrating database schema to version %d", version)
                await db.execute(script.encode())
                await db.execute(
                    "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (%s, %s)",
                    (version, now_ms()),
                )


class PostgresDocumentStore:
    def __init__(self, db: PostgresDatabase, *, owns_database: bool = False) -> None:
        self._db = db
        self._owns_database = owns_database

    @classmethod
    async def open(cls, url: str) -> "PostgresDocumentStore":
        """A store with a database of its own (closed with the store)."""
        return cls(await PostgresDatabase.open(url), owns_database=True)

    async def append_changes(self, document_id: DocumentId, changes: list[ChangeRecord]) -> int:
        rows: Rows = [
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
        bindings: Rows = [
            (c.actor, c.account_id, c.received_at_ms) for c in changes if c.account_id
        ]
        return await self._db.append(document_id, rows, bindings)

    async def save_snapshot(self, document_id: DocumentId, data: bytes, log_position: int) -> None:
        now = now_ms()

        async def write(db: Connection) -> None:
            await db.execute(_UPSERT_SNAPSHOT, (document_id, data, log_position, now))
            await db.execute(_COMPACT, {"doc": document_id})

        await self._db.write(write)

    async def set_meta(self, key: str, value: str) -> None:
        async def write(db: Connection) -> None:
            await db.execute(_UPSERT_META, (key, value))

        await self._db.write(write)

    async def load(self, document_id: DocumentId) -> StoredDocument | None:
        rows = await self._db.fetch(_LOAD, {"doc": document_id})
        if not rows:
            return None
        return StoredDocument(b"".join(r[1] for r in rows), max(int(r[2]) for r in rows))

    async def changes_after(self, document_id: DocumentId, log_position: int) -> ChangesAfter:
        """Everything committed for the document after `log_position` (ChangeFeed)."""
        rows = await self._db.fetch(_CHANGES_AFTER, {"doc": document_id, "after": log_position})
        if not rows:
            return ChangesAfter([], log_position)
        position = max(int(r[2]) for r in rows)
        if rows[0][0] == 0:  # a newer snapshot compacted rows after the position
            return ChangesAfter([], position, whole=b"".join(r[1] for r in rows))
        return ChangesAfter([bytes(r[1]) for r in rows], position)

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
                role=r[7],
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
        rows: Rows = [(document_id, h, data, reason, now) for h, data in changes]
        await self._db.insert_many([(_QUARANTINE, rows)])

    async def get_meta(self, key: str) -> str | None:
        rows = await self._db.fetch("SELECT value FROM meta WHERE key = %s", (key,))
        return str(rows[0][0]) if rows else None

    async def close(self) -> None:
        if self._owns_database:
            await self._db.close()
