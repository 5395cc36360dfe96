"""CBOR <-> wire Structs. The only module that knows the frames are CBOR.

The JS side writes cbor-x output: non-shortest map headers, `undefined` (simple 23) for
absent values, float64 for numbers beyond 32 bits, and nothing else: no tags, no indefinite
lengths (sync-protocol.md 1.1). Before cbor2 builds anything, one pass over the item headers
refuses what no client writes: tags (cbor2 would build fractions, regexes, MIME messages and
bigfloats from them, seconds of CPU for one frame), indefinite lengths, unassigned simple
values, non-text map keys, nesting beyond `MAX_DEPTH`, more than `MAX_ITEMS` items, and any
length that runs past the end of the frame. That pass stops after at most `MAX_ITEMS` items
and skips string contents, so it costs microseconds whatever the frame's size; what cbor2
then builds is at most `MAX_ITEMS` objects plus the frame's own strings. We turn
`undefined` into "absent" before msgspec validates the shape (and the lengths of ids).
"""

from typing import Any

import cbor2
import msgspec

from server.sync.messages import FromClient, ToClient, UnknownMessage

_KNOWN_TYPES = frozenset(t.__struct_config__.tag for t in FromClient.__args__)
# A real message has a few dozen items (keys count) and nests two levels, four for
# remote-heads gossip; these leave room for fields newer clients may add.
MAX_ITEMS = 1024
MAX_DEPTH = 8

_TEXT = 3
_TAG = 6
_SIMPLE = 7
_ACCEPTED_SIMPLE = range(20, 24)  # false, true, null, undefined; 25-27 are floats


class DecodeError(ValueError):
    """A frame that is not a well-formed message. The peer gets `error` and is closed."""


def decode(frame: bytes) -> FromClient | UnknownMessage:
    check_items(frame)
    try:
        obj = cbor2.loads(frame)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError) as e:
        raise DecodeError(f"frame is not CBOR: {e}") from e
    if not isinstance(obj, dict):
        raise DecodeError("message is not a map")
    message_type = obj.get("type")
    if not isinstance(message_type, str):
        raise DecodeError("message has no text `type`")
    if message_type not in _KNOWN_TYPES:
        return UnknownMessage(message_type)
    if "data" in obj and not isinstance(obj["data"], bytes):
        # msgspec.convert would accept base64 text for a bytes field; the protocol never does.
        raise DecodeError(f"invalid {message_type} message: `data` must be a byte string")
    try:
        message: FromClient = msgspec.convert(_without_undefined(obj), FromClient)
    except msgspec.ValidationError as e:
        raise DecodeError(f"invalid {message_type} message: {e}") from e
    return message


def encode(message: ToClient) -> bytes:
    # Never emit 64-bit integers (the client turns them into BigInt) or tags: nothing we
    # send holds either, and to_builtins keeps bytes as CBOR byte strings.
    return cbor2.dumps(msgspec.to_builtins(message, builtin_types=(bytes,)))


def check_items(frame: bytes) -> None:  # noqa: C901 - one flat loop over the item headers
    """Raise DecodeError unless `frame` is one CBOR item of the kinds the protocol uses.

    Reads only headers (strings are skipped by their length) and at most MAX_ITEMS of them.
    """
    end = len(frame)
    position = 0
    items = 0
    left = [1]  # per open container (the frame itself first): items still to read
    in_map = [False]
    while left:
        if left[-1] == 0:
            left.pop()
            in_map.pop()
            continue
        is_key = in_map[-1] and left[-1] % 2 == 0
        left[-1] -= 1
        items += 1
        if items > MAX_ITEMS:
            raise DecodeError(f"message has more than {MAX_ITEMS} items")
        if position >= end:
            raise DecodeError("frame is not CBOR: it ends inside an item")
        initial = frame[position]
        position += 1
        major, info = initial >> 5, initial & 0x1F
        argument = info
        if 24 <= info <= 27:  # the argument follows in 1, 2, 4 or 8 bytes (any of them)
            size = 1 << (info - 24)
            if end - position < size:
                raise DecodeError("frame is not CBOR: it ends inside an item")
            argument = int.from_bytes(frame[position : position + size], "big")
            position += size
        elif info > 27:
            raise DecodeError("frame is not CBOR the protocol uses: indefinite length")
        if is_key and major != _TEXT:
            raise DecodeError("frame is not CBOR the protocol uses: a map key is not text")
        if major in (2, 3):  # byte and text strings
            if argument > end - position:
                raise DecodeError("frame is not CBOR: a string runs past the frame's end")
            position += argument
        elif major in (4, 5):  # arrays and maps
            count = argument * 2 if major == 5 else argument
            if count > end - position:  # every item takes at least one byte
                raise DecodeError("frame is not CBOR: a container runs past the frame's end")
            if len(left) > MAX_DEPTH:
                raise DecodeError("message nests too deeply")
            left.append(count)
            in_map.append(major == 5)
        elif major == _TAG:
            raise DecodeError(f"frame is not CBOR the protocol uses: tag {argument}")
        elif major == _SIMPLE and info not in _ACCEPTED_SIMPLE and info < 25:
            raise DecodeError(f"frame is not CBOR the protocol uses: simple value {argument}")
    if position != end:
        raise DecodeError("frame is not CBOR: bytes follow the message")


def _without_undefined(value: Any) -> Any:
    # check_items bounded the nesting, so this recursion is shallow.
    if isinstance(value, dict):
        return {k: _without_undefined(v) for k, v in value.items() if v is not cbor2.undefined}
    if isinstance(value, list):
        return [_without_undefined(v) for v in value]
    return value
