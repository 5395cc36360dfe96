"""Several processes serving one database: each one's access events reach all the others.

`Cluster` stands between the features and the hub wherever access changes (it is their
`AccessEvents`): the hub of this process is told at once, as before, and the event is
published on the store's `ChangeFeed`, whose other processes apply it to their own sockets
(closing or unsubscribing them) after forgetting what their policy cached. It is also the
feed's listener: committed changes of another process go to the documents held here.
With a feed that is not shared (SQLite), publishing does nothing.
"""

import asyncio
import logging
from typing import Any, Literal, Protocol

import msgspec

from server.ids import DocumentId
from server.storage.protocol import ChangeFeed
from server.sync.hub import SyncHub

log = logging.getLogger(__name__)

_DOCUMENTS_PER_EVENT = 100
"""A NOTIFY payload is at most 8000 bytes: longer lists of ids are sent in several events."""


class AccessCache(Protocol):
    """The policy's memory of registrations and roles (PlanPolicy)."""

    def forget(self) -> None: ...

    def deleting_elsewhere(self, document_ids: list[str]) -> None: ...


class AccessEvent(msgspec.Struct, frozen=True, omit_defaults=True):
    kind: Literal["registered", "revoked", "credential", "deleted"]
    documents: list[str] = msgspec.field(default_factory=list)
    account_id: str | None = None
    credential_id: str | None = None
    account_deleted: bool = False


_decoder = msgspec.json.Decoder(AccessEvent)


class Cluster:
    """AccessEvents for the features, FeedListener for the store's feed."""

    def __init__(self, hub: SyncHub, feed: ChangeFeed, cache: AccessCache | None) -> None:
        self._hub = hub
        self._feed = feed
        self._cache = cache
        self._tasks: set[asyncio.Future[Any]] = set()

    # AccessEvents: this process now, the others through the feed.

    async def document_registered(self, document_id: DocumentId) -> None:
        self._publish(AccessEvent("registered", [document_id]))
        await self._hub.document_registered(document_id)

    def access_revoked(self, account_id: str, document_ids: list[DocumentId]) -> None:
        self._hub.access_revoked(account_id, document_ids)
        for ids in _chunks(document_ids):
            self._publish(AccessEvent("revoked", ids, account_id=account_id))

    def credential_revoked(self, credential_id: str, *, account_deleted: bool = False) -> None:
        self._hub.credential_revoked(credential_id, account_deleted=account_deleted)
        event = AccessEvent(
            "credential", credential_id=credential_id, account_deleted=account_deleted
        )
        self._publish(event)

    async def documents_deleted(self, document_ids: list[DocumentId]) -> None:
        for ids in _chunks(document_ids):
            self._publish(AccessEvent("deleted", ids))
        await self._hub.documents_deleted(document_ids)

    def _publish(self, event: AccessEvent) -> None:
        if not self._feed.shared:
            return
        self._spawn(self._feed.publish_access(msgspec.json.encode(event)), "publish access")

    # FeedListener: what the other processes did.

    def document_changed(
        self,
        document_id: DocumentId,
        log_position: int,
        previous: int,
        own: bool,
        changes: list[bytes] | None = None,
    ) -> None:
        self._hub.documents.document_changed(document_id, log_position, previous, own, changes)

    def resumed(self) -> None:
        self._hub.documents.catch_up_all()
        if self._cache is not None:  # access events may have been missed too
            self._cache.forget()

    def access_changed(self, event: bytes) -> None:
        heard = _decoder.decode(event)
        ids = [DocumentId(d) for d in heard.documents]
        if self._cache is not None:
            self._cache.forget()
            if heard.kind == "deleted":  # refused here too until the database agrees
                self._cache.deleting_elsewhere(list(heard.documents))
        match heard.kind:
            case "registered":
                for document_id in ids:
                    self._spawn(self._hub.document_registered(document_id), "registered")
            case "revoked":
                self._hub.access_revoked(heard.account_id or "", ids)
            case "credential":
                self._hub.credential_revoked(
                    heard.credential_id or "", account_deleted=heard.account_deleted
                )
            case "deleted":
                self._spawn(self._hub.documents_deleted(ids), "deleted")

    def _spawn(self, work: Any, name: str) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("an access event failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the events being published or applied (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _chunks(document_ids: list[DocumentId]) -> list[list[str]]:
    ids = [str(d) for d in document_ids]
    return [ids[i : i + _DOCUMENTS_PER_EVENT] for i in range(0, len(ids), _DOCUMENTS_PER_EVENT)]
