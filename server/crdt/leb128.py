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


def decode(data: bytes, pos: int) -> tuple[int, int]:
    """The integer at `pos` and the position after it (IndexError if `data` ends first)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
