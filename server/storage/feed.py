"""The change feed of a database one process serves (SQLite, memory): nothing to hear.

Every change and access event happens in this process, which applies it as it happens; the
feed only has to say that positions come from its own commits (`shared = False`).
"""

from server.ids import DocumentId
from server.storage.protocol import ChangesAfter, FeedListener


class LocalFeed:
    shared = False

    async def start(self, listener: FeedListener) -> None:
        return None

    async def changes_after(self, document_id: DocumentId, log_position: int) -> ChangesAfter:
        # Nothing is committed here that this process does not hold already.
        return ChangesAfter([], log_position)

    async def publish_access(self, event: bytes) -> None:
        return None  # no other process to tell

    def state(self) -> str | None:
        return None

    async def close(self) -> None:
        return None
