"""The change feed of a PostgreSQL database several processes serve: LISTEN/NOTIFY.

Commits NOTIFY `CHANGES_CHANNEL` in their own transaction (postgres.py), so a notification
names only committed changes. One dedicated autocommit connection per process LISTENs to it
and to `ACCESS_CHANNEL`. The log stays the source of truth: a notification only says where
to read (`changes_after`), or carries the changes themselves when they are small enough, for
a listener holding the document right up to the commit's previous position to add without a
read. If the connection is lost, it reconnects with a growing backoff
and then tells the listener to catch up every document it holds from the log
(`FeedListener.resumed`): a notification missed meanwhile delays changes, never loses them.
"""

import asyncio
import base64
import contextlib
import logging
from typing import Any

import psycopg

from server.errors import StorageError
from server.ids import DocumentId
from server.storage.postgres import (
    ACCESS_CHANNEL,
    CHANGES_CHANNEL,
    CONNECT_TIMEOUT_S,
    PostgresDatabase,
    PostgresDocumentStore,
)
from server.storage.protocol import ChangesAfter, FeedListener

log = logging.getLogger(__name__)

Connection = psycopg.AsyncConnection[tuple[Any, ...]]

RETRY_FIRST_S = 0.1
RETRY_MAX_S = 5.0
# TCP keepalives: a listener whose server vanished without a word notices within ~20 s.
_KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


class PostgresFeed:
    shared = True

    def __init__(self, db: PostgresDatabase, store: PostgresDocumentStore) -> None:
        self._db = db
        self._store = store
        self._listener: FeedListener | None = None
        self._task: asyncio.Task[None] | None = None
        self._problem: str | None = "not listening yet"

    async def start(self, listener: FeedListener) -> None:
        """LISTEN now (StorageError if it cannot), then keep listening in a task."""
        self._listener = listener
        try:
            connection = await self._listen()
        except psycopg.Error as e:
            raise StorageError(f"cannot listen to the database: {e}") from e
        self._task = asyncio.create_task(self._run(connection), name="postgres-feed")

    async def _listen(self) -> Connection:
        url = psycopg.conninfo.make_conninfo(self._db.url, **_KEEPALIVE)
        connection = await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
        )
        try:
            await connection.execute(f"LISTEN {CHANGES_CHANNEL}")
            await connection.execute(f"LISTEN {ACCESS_CHANNEL}")
        except BaseException:
            await connection.close()
            raise
        self._problem = None
        return connection

    async def _run(self, connection: Connection | None) -> None:
        delay = RETRY_FIRST_S
        while True:
            if connection is None:
                try:
                    connection = await self._listen()
                except psycopg.Error as e:
                    self._lost(e)
                    await asyncio.sleep(delay)  # backoff before reconnecting
                    delay = min(delay * 2, RETRY_MAX_S)
                    continue
                log.warning("listening to the database again; catching up from the log")
                delay = RETRY_FIRST_S
                if self._listener is not None:
                    self._listener.resumed()
            try:
                async with connection:
                    async for notification in connection.notifies():
                        self._dispatch(notification.channel, notification.payload)
            except psycopg.Error as e:
                self._lost(e)
            connection = None

    def _lost(self, error: psycopg.Error) -> None:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if self._problem is None:
            log.error("lost the database's notifications (%s); reconnecting", reason)
        self._problem = f"not listening to the database: {reason}"

    def _dispatch(self, channel: str, payload: str) -> None:
        listener = self._listener
        if listener is None:
            return
        try:
            if channel == CHANGES_CHANNEL:
                origin, previous, position, document_id, *carried = payload.split(" ", 4)
                listener.document_changed(
                    DocumentId(document_id),
                    int(position),
                    int(previous),
                    own=origin == self._db.origin,
                    changes=_changes(carried[0]) if carried else None,
                )
            elif channel == ACCESS_CHANNEL:
                origin, event = payload.split(" ", 1)
                if origin != self._db.origin:
                    listener.access_changed(event.encode())
        except Exception:  # one bad notification must not stop the feed
            log.exception("could not handle a notification on %s", channel)

    async def changes_after(self, document_id: DocumentId, log_position: int) -> ChangesAfter:
        return await self._store.changes_after(document_id, log_position)

    async def publish_access(self, event: bytes) -> None:
        await self._db.fetch(
            "SELECT pg_notify(%s, %s)", (ACCESS_CHANNEL, f"{self._db.origin} {event.decode()}")
        )

    def state(self) -> str | None:
        return self._problem

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _changes(carried: str) -> list[bytes] | None:
    """The carried change chunks; None (read the log instead) if they do not decode."""
    try:
        return [base64.b64decode(chunk, validate=True) for chunk in carried.split(",")]
    except ValueError:  # binascii.Error is one
        log.warning("a change notification carried changes that do not decode; reading the log")
        return None
