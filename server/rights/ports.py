"""What export needs from the sync side (implemented by the sync hub)."""

from collections.abc import Callable
from typing import Protocol, TypeVar

from server.ids import DocumentId

T = TypeVar("T")


class DocumentCopies(Protocol):
    async def stored_document(self, document_id: DocumentId) -> bytes | None:
        """Everything stored of the document, once what memory holds of it is stored too.

        Automerge bytes (a save() and the changes logged since); None if nothing is stored.
        """
        ...

    async def read_stored(self, work: Callable[[bytes], T], data: bytes) -> T:
        """`work(data)` where it stalls no one: another process for a large document.

        `work` is a module-level function (it may run in the document worker process).
        """
        ...
