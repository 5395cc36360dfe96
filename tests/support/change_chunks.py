"""Change chunks taken apart and put back together, to write variants of real changes.

Layout: docs of `server/sync/change_ops.py`. Only what the tests vary is parsed: the bytes
before the column metadata are kept as they are.
"""

import hashlib
import zlib
from typing import NamedTuple

from server.crdt import leb128

MAGIC = b"\x85\x6f\x4a\x83"


class Parts(NamedTuple):
    head: bytes
    """Everything from the dependencies to the other actors."""
    columns: list[tuple[int, bytes]]
    """(spec, data) of each column, in order."""
    extra: bytes


def _signed(data: bytes, pos: int) -> int:
    while data[pos] & 0x80:
        pos += 1
    return pos + 1


def parts(chunk: bytes) -> Parts:
    """The parts of an uncompressed change chunk."""
    assert chunk[:4] == MAGIC
    assert chunk[8] == 1
    _, start = leb128.decode(chunk, 9)
    data = chunk[start:]
    count, pos = leb128.decode(data, 0)
    pos += 32 * count
    for field in ("actor", "seq", "start_op", "time", "message", "others"):
        if field in ("actor", "message"):
            length, pos = leb128.decode(data, pos)
            pos += length
        elif field == "time":
            pos = _signed(data, pos)
        elif field == "others":
            count, pos = leb128.decode(data, pos)
            for _ in range(count):
                length, pos = leb128.decode(data, pos)
                pos += length
        else:
            _, pos = leb128.decode(data, pos)
    head = data[:pos]
    count, pos = leb128.decode(data, pos)
    specs = []
    for _ in range(count):
        spec, pos = leb128.decode(data, pos)
        length, pos = leb128.decode(data, pos)
        specs.append((spec, length))
    columns = []
    for spec, length in specs:
        columns.append((spec, data[pos : pos + length]))
        pos += length
    return Parts(head, columns, data[pos:])


def contents(p: Parts) -> bytes:
    out = bytearray(p.head) + leb128.encode(len(p.columns))
    for spec, data in p.columns:
        out += leb128.encode(spec) + leb128.encode(len(data))
    for _, data in p.columns:
        out += data
    return bytes(out + p.extra)


def chunk(data: bytes, *, compressed: bool = False) -> bytes:
    """A change chunk holding `data` (its contents), with its checksum; DEFLATEd if asked."""
    checksum = hashlib.sha256(b"\x01" + leb128.encode(len(data)) + data).digest()[:4]
    if compressed:
        deflater = zlib.compressobj(wbits=-15)
        data = deflater.compress(data) + deflater.flush()
    kind = b"\x02" if compressed else b"\x01"
    return MAGIC + checksum + kind + leb128.encode(len(data)) + data


def deflate(data: bytes) -> bytes:
    deflater = zlib.compressobj(wbits=-15)
    return deflater.compress(data) + deflater.flush()


def with_deflated_columns(change: bytes) -> bytes:
    """The same change with every column DEFLATEd (spec bit 8), as other writers may."""
    p = parts(change)
    columns = [(spec | 0x08, deflate(data)) for spec, data in p.columns]
    return chunk(contents(p._replace(columns=columns)))


def with_column(change: bytes, spec: int, data: bytes) -> bytes:
    """The same change with column `spec` holding `data` (added if it had none)."""
    p = parts(change)
    columns = dict(p.columns)
    columns[spec] = data
    return chunk(contents(p._replace(columns=sorted(columns.items()))))
