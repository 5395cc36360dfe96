"""Opening the storage a location names: an adapter of every persistence port, one database.

SQLite (a file, one process) or PostgreSQL (a server, any number of processes, which hear
of each other's commits and access events through its `ChangeFeed`); everything above this
module sees only the ports.
"""

from collections.abc import Awaitable, Callable
from typing import Protocol

from server.database_url import DatabaseLocation, SqliteLocation
from server.storage.attempts import AttemptLog
from server.storage.erasure import ErasureRecords
from server.storage.feed import LocalFeed
from server.storage.protocol import ChangeFeed, DocumentStore
from server.storage.push import PushRecords
from server.storage.records import CaseloadRecords, Records, ReviewRecords


class StorageHealth(Protocol):
    async def check(self) -> str | None:
        """None if the database reads (and, after a failure, writes) now; otherwise why not."""
        ...

    def failing(self, within_s: float) -> str | None:
        """The storage's failure if it happened in the last `within_s` seconds."""
        ...


class Storage:
    """Every port's adapter on one open database; `close()` finishes writes and closes it."""

    def __init__(
        self,
        *,
        health: StorageHealth,
        store: DocumentStore,
        records: Records,
        reviews: ReviewRecords,
        caseload: CaseloadRecords,
        erasure: ErasureRecords,
        attempts: AttemptLog,
        push: PushRecords,
        close: Callable[[], Awaitable[None]],
        feed: ChangeFeed,
        kind: str,
    ) -> None:
        self.health = health
        self.store = store
        self.records = records
        self.reviews = reviews
        self.caseload = caseload
        self.erasure = erasure
        self.attempts = attempts
        self.push = push
        self.close = close
        self.feed = feed
        """Changes and access events of the other processes serving the same database."""
        self.kind = kind
        """"sqlite" or "postgresql" (reported by /api/health)."""


async def open_storage(location: DatabaseLocation) -> Storage:
    """Open (creating and migrating) the database; StorageError saying why if it can't."""
    if isinstance(location, SqliteLocation):
        return await _open_sqlite(location)
    # Imported here: a SQLite deployment never loads the PostgreSQL driver.
    from server.storage.postgres import PostgresDatabase, PostgresDocumentStore
    from server.storage.postgres_attempts import PostgresAttemptLog
    from server.storage.postgres_caseload import PostgresCaseload
    from server.storage.postgres_erasure import PostgresErasure
    from server.storage.postgres_feed import PostgresFeed
    from server.storage.postgres_push import PostgresPush
    from server.storage.postgres_records import PostgresRecords
    from server.storage.postgres_reviews import PostgresReviews

    database = await PostgresDatabase.open(location.url)
    store = PostgresDocumentStore(database)
    return Storage(
        health=database,
        store=store,
        records=PostgresRecords(database),
        reviews=PostgresReviews(database),
        caseload=PostgresCaseload(database),
        erasure=PostgresErasure(database),
        attempts=PostgresAttemptLog(database),
        push=PostgresPush(database),
        close=database.close,
        feed=PostgresFeed(database, store),
        kind="postgresql",
    )


async def _open_sqlite(location: SqliteLocation) -> Storage:
    from server.storage.sqlite import SqliteDatabase, SqliteDocumentStore
    from server.storage.sqlite_attempts import SqliteAttemptLog
    from server.storage.sqlite_caseload import SqliteCaseload
    from server.storage.sqlite_erasure import SqliteErasure
    from server.storage.sqlite_push import SqlitePush
    from server.storage.sqlite_records import SqliteRecords
    from server.storage.sqlite_reviews import SqliteReviews

    database = await SqliteDatabase.open(location.path)
    return Storage(
        health=database,
        store=SqliteDocumentStore(database),
        records=SqliteRecords(database),
        reviews=SqliteReviews(database),
        caseload=SqliteCaseload(database),
        erasure=SqliteErasure(database),
        attempts=SqliteAttemptLog(database),
        push=SqlitePush(database),
        close=database.close,
        feed=LocalFeed(),
        kind="sqlite",
    )
