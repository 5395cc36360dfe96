"""What export needs from the sync side (implemented by the sync hub)."""

from typing import Protocol

from server.ids import DocumentId
from server.sync.engine import LiveDocument


class DocumentCopies(Protocol):
    async def document_copy(self, document_id: DocumentId) -> LiveDocument | None:
        """A copy of everything stored of the document (in memory first); None if nothing."""
        ...
