"""Identifiers that cross module boundaries, and the one check that makes a DocumentId valid."""

from functools import lru_cache
from typing import NewType

import base58

DocumentId = NewType("DocumentId", str)
PeerId = NewType("PeerId", str)

# automerge-repo DocumentIds are bs58check of a 16-byte UUID: 27 or 28 characters. Anything
# much longer is not an id and is refused before we hash it.
MAX_DOCUMENT_ID_LENGTH = 64


def parse_document_id(text: str) -> DocumentId | None:
    """Return `text` as a DocumentId if it is valid base58check of 16 bytes, else None.

    Every sync message names its document, and base58check decoding is pure Python (a
    few percent of the server's CPU in a fan-out): the answers for ids of a plausible
    length are kept. The length is checked first, so a megabyte of text (a REST body's
    `documentId`) is refused without being kept.
    """
    if not 0 < len(text) <= MAX_DOCUMENT_ID_LENGTH:
        return None
    return _decoded(text)


@lru_cache(maxsize=4096)
def _decoded(text: str) -> DocumentId | None:
    try:
        payload = base58.b58decode_check(text)
    except ValueError:
        return None
    return DocumentId(text) if len(payload) == 16 else None
