"""LEB128 integers: bounded to 64 bits, so a hostile run of bytes fails at once."""

import time

import pytest

from server.crdt import leb128
from server.crdt.engine import carries_changes, message_heads


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**63, 2**64 - 1])
def test_integers_of_up_to_64_bits_round_trip(value: int) -> None:
    encoded = leb128.encode(value)

    assert leb128.decode(b"\x00" + encoded, 1) == (value, 1 + len(encoded))


def test_more_than_ten_bytes_is_refused_as_not_parsing() -> None:
    with pytest.raises(IndexError, match="longer than 64 bits"):
        leb128.decode(b"\xff" * 11 + b"\x00", 0)


def test_a_sync_message_of_a_megabyte_of_continuation_bytes_is_refused_at_once() -> None:
    # What the hub reads from a peer's message before anything else parses it. Unbounded,
    # 300 KB of 0xFF took 3 s and a megabyte most of a minute (quadratic).
    hostile = b"\x42" + b"\xff" * 1_000_000 + b"\x00"
    start = time.process_time()

    heads = message_heads(hostile)
    changes = carries_changes(hostile)

    assert (heads, changes) == (None, False)
    assert time.process_time() - start < 0.5
