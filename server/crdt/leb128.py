"""Unsigned LEB128, the variable-length integers of Automerge's binary formats."""


def encode(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


MAX_BYTES = 10
"""A 64-bit integer takes at most 10 bytes; Automerge writes none larger."""


class TooLong(IndexError):
    """More than `MAX_BYTES` bytes: not one of Automerge's integers.

    An IndexError, like running off the end of `data`, so callers treat both as "does not
    parse". Without the bound a hostile run of 0xFF bytes builds an ever larger integer, in
    time quadratic in its length (300 KB took 3 s on the event loop).
    """


def decode(data: bytes, pos: int) -> tuple[int, int]:
    """The integer at `pos` and the position after it.

    IndexError if `data` ends first, `TooLong` past 64 bits.
    """
    value = shift = 0
    end = pos + MAX_BYTES
    while pos < end:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise TooLong("an integer longer than 64 bits")
