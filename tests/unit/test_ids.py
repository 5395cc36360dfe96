"""Document ids: base58check of 16 bytes, parsed once per id, and nothing long is kept."""

import sys

from server.ids import MAX_DOCUMENT_ID_LENGTH, parse_document_id
from tests.support.automerge_docs import new_document_id


def test_an_id_is_parsed_and_the_answer_is_the_same_each_time() -> None:
    text = new_document_id()

    assert parse_document_id(text) == text
    assert parse_document_id(text) == text
    assert parse_document_id(text[:-1] + ("1" if text[-1] != "1" else "2")) is None  # checksum
    assert parse_document_id("") is None


def test_a_long_text_is_refused_and_not_kept() -> None:
    long_text = "x" * (1024 * 1024)
    references = sys.getrefcount(long_text)

    assert parse_document_id(long_text) is None
    assert parse_document_id("1" * (MAX_DOCUMENT_ID_LENGTH + 1)) is None
    # A cache that kept it would hold one more reference to it for as long as it lives.
    assert sys.getrefcount(long_text) == references
