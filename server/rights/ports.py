"""What export needs from the sync side (implemented by the sync hub)."""

from typing import Protocol

from server.ids import DocumentId


class DocumentCopies(Protocol):
    async def stored_document(self, document_id: DocumentId) -> bytes | None:
        """Everything stored of the document, once what memory holds of it is stored too.

        Automerge bytes (a save() and the changes logged since); None if nothing is stored.
        """
        ...
