"""Automerge's storage chunks, read just far enough to repair a stored document or name its heads.

A stored document is a snapshot (a document chunk) followed by change chunks, concatenated.
Each chunk: magic `85 6f 4a 83`, a 4-byte checksum, a type byte (0 document, 1 change,
2 compressed change), the LEB128 length of the contents, the contents. A change's contents
start with its dependencies (a LEB128 count, then that many 32-byte hashes); its hash is the
SHA-256 of type, length and (uncompressed) contents, and its checksum that hash's first four
bytes. A document chunk's contents start with its actors (a LEB128 count, then each as a
LEB128 length and bytes) and then its heads (a LEB128 count, then 32-byte hashes); its
checksum is the first four bytes of the SHA-256 of type, length and contents. Nothing else of
a chunk is read here.
"""

import hashlib
import zlib

import msgspec

from server.crdt import leb128

MAGIC = b"\x85\x6f\x4a\x83"
DOCUMENT, CHANGE, COMPRESSED_CHANGE = 0, 1, 2
_MAX_INFLATED = 256 * 1024 * 1024  # a compressed change larger than this is not believed


class ChunkError(ValueError):
    """Bytes that are not a sequence of Automerge chunks."""


class Chunk(msgspec.Struct, frozen=True):
    kind: int
    raw: bytes
    """The whole chunk as stored (loadable on its own with its dependencies)."""
    hash: bytes = b""
    """A change's hash (empty for a document chunk)."""
    deps: tuple[bytes, ...] = ()


def split(data: bytes) -> list[Chunk]:
    """The chunks of stored bytes, in order. Raises ChunkError on anything else."""
    return [_chunk(kind, data[pos:end], data[start:end]) for kind, pos, start, end in _frames(data)]


def kinds(data: bytes) -> list[tuple[int, bytes]]:
    """Each chunk's type and bytes, without reading its contents. Raises ChunkError."""
    return [(kind, data[pos:end]) for kind, pos, _, end in _frames(data)]


MAX_HEADS_CHANGES = 4_096
"""`stored_heads` reads at most this many changes after the snapshot (one hash each)."""


def stored_heads(data: bytes) -> list[bytes] | None:
    """The heads of stored bytes, read from their chunks without loading the document.

    Only when that is certain: a snapshot first (or none), then changes each of whose
    dependencies is a head of the snapshot or an earlier change, every checksum right. None
    otherwise (a change made on an older part of the history, a damaged chunk, more than
    `MAX_HEADS_CHANGES` changes, bytes that are not chunks): loading the document decides.
    """
    try:
        frames = _frames(data)
    except ChunkError:
        return None
    if not frames or len(frames) > MAX_HEADS_CHANGES + 1:
        return None
    heads: set[bytes] = set()
    known: set[bytes] = set()
    for index, (kind, pos, start, end) in enumerate(frames):
        if kind == DOCUMENT:
            snapshot = _snapshot_heads(data, pos, start, end) if index == 0 else None
            if snapshot is None:
                return None
            heads.update(snapshot)
            known.update(snapshot)
            continue
        try:
            change = _chunk(kind, data[pos:end], data[start:end])
        except (ChunkError, IndexError):
            return None
        if change.raw[4:8] != change.hash[:4] or not known.issuperset(change.deps):
            return None
        heads.difference_update(change.deps)
        heads.add(change.hash)
        known.add(change.hash)
    return sorted(heads)


def _snapshot_heads(data: bytes, pos: int, start: int, end: int) -> list[bytes] | None:
    """The heads a document chunk names; None if its checksum is wrong."""
    if data[pos + 4 : pos + 8] != hashlib.sha256(data[pos + 8 : end]).digest()[:4]:
        return None
    try:
        actors, at = leb128.decode(data, start)
        for _ in range(actors):
            length, at = leb128.decode(data, at)
            at += length
            if at > end:
                return None
        count, at = leb128.decode(data, at)
    except IndexError:
        return None
    if at + 32 * count > end:
        return None
    return [data[at + 32 * i : at + 32 * (i + 1)] for i in range(count)]


def change_hash(change: bytes) -> bytes:
    """The hash of one change chunk. Raises ChunkError if `change` is not exactly that."""
    found = split(change)
    if len(found) != 1 or found[0].kind == DOCUMENT:
        raise ChunkError("not one change chunk")
    return found[0].hash


def _frames(data: bytes) -> list[tuple[int, int, int, int]]:
    """(type, chunk start, contents start, end) of each chunk."""
    frames = []
    pos = 0
    try:
        while pos < len(data):
            if data[pos : pos + 4] != MAGIC:
                raise ChunkError(f"no chunk starts at byte {pos}")
            kind = data[pos + 8]
            length, start = leb128.decode(data, pos + 9)
            end = start + length
            if end > len(data):
                raise ChunkError(f"the chunk at byte {pos} runs past the end")
            frames.append((kind, pos, start, end))
            pos = end
    except IndexError as e:
        raise ChunkError(f"truncated chunk at byte {pos}") from e
    return frames


def _chunk(kind: int, raw: bytes, contents: bytes) -> Chunk:
    if kind == DOCUMENT:
        return Chunk(kind, raw)
    if kind == COMPRESSED_CHANGE:
        inflater = zlib.decompressobj(-15)
        try:
            contents = inflater.decompress(contents, _MAX_INFLATED)
        except zlib.error as e:
            raise ChunkError(f"a compressed change does not inflate: {e}") from e
        if inflater.unconsumed_tail:
            raise ChunkError("a compressed change inflates beyond the limit")
    elif kind != CHANGE:
        raise ChunkError(f"unknown chunk type {kind}")
    header = bytes([CHANGE]) + leb128.encode(len(contents))
    count, pos = leb128.decode(contents, 0)
    if pos + 32 * count > len(contents):
        raise ChunkError("a change's dependencies run past its end")
    deps = tuple(contents[pos + 32 * i : pos + 32 * (i + 1)] for i in range(count))
    return Chunk(kind, raw, hashlib.sha256(header + contents).digest(), deps)
