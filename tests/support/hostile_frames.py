"""CBOR frames no client writes, each at most 1 MiB, built to make a decoder work hard.

Used by the codec's unit tests (each must be refused) and by scripts/measure_decode.py
(worst decode time and memory). Each frame is a message-shaped map (`type`, `senderId`,
`documentId`) with the hostile item in one more field, so that a decoder sees it only after
the parts a real message has.
"""

import random
from collections.abc import Callable

LIMIT = 1024 * 1024  # every frame here is at most this many bytes


def head(major: int, argument: int) -> bytes:
    """The shortest CBOR header of `major` type with `argument`."""
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError(argument)


def text(value: str) -> bytes:
    encoded = value.encode()
    return head(3, len(encoded)) + encoded


def byte_string(value: bytes) -> bytes:
    return head(2, len(value)) + value


def tag(number: int, item: bytes) -> bytes:
    return head(6, number) + item


def message_with(hostile: bytes) -> bytes:
    """A sync-shaped message map whose extra field `x` holds `hostile`."""
    fields = (
        text("type") + text("sync") + text("senderId") + text("attacker")
        + text("documentId") + text("2jpe17LWLWpWWr3fAPY5bjnk8YRD") + text("x")
    )  # fmt: skip
    return head(5, 4) + fields + hostile


_ROOM = LIMIT - len(message_with(b"")) - 16  # bytes left for the hostile item and its header


def _bignum(size: int, seed: int = 0) -> bytes:
    return tag(2, byte_string(random.Random(seed).randbytes(size)))  # noqa: S311 - test data


def _fraction() -> bytes:  # tag 30: Fraction(a, b) of two huge ints costs a quadratic gcd
    half = _ROOM // 2 - 16
    return tag(30, head(4, 2) + _bignum(half, 1) + _bignum(half, 2))


def _regex() -> bytes:  # tag 35: re.compile of a megabyte pattern
    return tag(35, text("(a|b)*c" * (_ROOM // 7 - 8)))


def _mime() -> bytes:  # tag 36: the email package parses a megabyte message
    return tag(36, text("Content-Type: text/plain\n\n" + "a" * (_ROOM - 64)))


def _bigfloat() -> bytes:  # tag 5: mantissa * 2**exponent with a huge exponent
    return tag(5, head(4, 2) + head(0, 2**63) + _bignum(_ROOM // 2))


def _decimal() -> bytes:  # tag 4: Decimal with a huge exponent and mantissa
    return tag(4, head(4, 2) + head(1, 2**63) + _bignum(_ROOM // 2))


def _bignum_alone() -> bytes:  # tag 2: one megabyte integer
    return _bignum(_ROOM - 16)


def _shared_references() -> bytes:  # tags 28/29: one shared array referenced again and again
    shared = tag(28, head(4, 1) + text("x" * 1000))
    count = (_ROOM - len(shared)) // 3
    return head(4, count + 1) + shared + tag(29, head(0, 0)) * count


def _set() -> bytes:  # tag 258: a set of many integers
    count = _ROOM // 5
    return tag(258, head(4, count) + b"".join(head(0, 1000 + i) for i in range(count)))


def _empty_maps() -> bytes:  # an array of a million empty maps: ~60 bytes of objects per byte
    return head(4, _ROOM - 8) + b"\xa0" * (_ROOM - 8)


def _deep_nesting() -> bytes:  # a million arrays, each inside the last
    return b"\x81" * (_ROOM - 1) + b"\x00"


def _small_ints() -> bytes:  # an array of a million one-byte integers
    return head(4, _ROOM - 8) + b"\x00" * (_ROOM - 8)


def _int_keyed_map() -> bytes:  # a map of many integer keys
    count = _ROOM // 6
    keys = b"".join(head(0, 2**16 + i) + b"\x00" for i in range(count))
    return head(5, count) + keys


def _indefinite_chunks() -> bytes:  # an indefinite byte string of half a million chunks
    return b"\x5f" + b"\x41\x00" * ((_ROOM - 2) // 2) + b"\xff"


def _declared_length() -> bytes:  # an array that claims 2**64 - 1 items and has none
    return b"\x9b" + b"\xff" * 8


def _declared_text() -> bytes:  # a text string that claims far more bytes than the frame has
    return b"\x7a" + (10**9).to_bytes(4, "big") + b"a" * 100


def _simple_values() -> bytes:  # an array of unassigned simple values
    count = (_ROOM - 8) // 2
    return head(4, count) + b"\xf8\x20" * count


def _many_strings() -> bytes:  # the most items allowed, each a kilobyte of text
    count = 1000
    return head(4, count) + text("\u00e9" * (_ROOM // count // 2 - 4)) * count


def _wide_text() -> bytes:  # a megabyte of four-byte characters (four bytes each in Python)
    return text("\U0001f600" * (_ROOM // 4 - 4))


def _bad_utf8() -> bytes:  # a megabyte of text that is not UTF-8 at its very end
    return head(3, _ROOM - 16) + b"a" * (_ROOM - 17) + b"\xff"


def _long_keys() -> bytes:  # a map of 500 distinct two-kilobyte keys
    count = 500
    size = _ROOM // count - 8
    return head(5, count) + b"".join(
        text(f"{i:08}" + "k" * (size - 8)) + b"\xf6" for i in range(count)
    )


HOSTILE: dict[str, Callable[[], bytes]] = {
    "tag 30 fraction of two bignums": _fraction,
    "tag 35 regex": _regex,
    "tag 36 mime": _mime,
    "tag 5 bigfloat": _bigfloat,
    "tag 4 decimal fraction": _decimal,
    "tag 2 bignum": _bignum_alone,
    "tags 28/29 shared references": _shared_references,
    "tag 258 set": _set,
    "array of empty maps": _empty_maps,
    "deep nesting": _deep_nesting,
    "array of small integers": _small_ints,
    "map with integer keys": _int_keyed_map,
    "indefinite byte string": _indefinite_chunks,
    "array claiming 2**64 items": _declared_length,
    "text claiming 1 GB": _declared_text,
    "simple values": _simple_values,
    "1000 strings of 1 KiB": _many_strings,
    "text of four-byte characters": _wide_text,
    "text that is not UTF-8": _bad_utf8,
    "map of 500 long keys": _long_keys,
}


def hostile_frame(name: str) -> bytes:
    frame = message_with(HOSTILE[name]())
    assert len(frame) <= LIMIT, (name, len(frame))
    return frame
