"""CBOR <-> wire Structs. The only module that knows the frames are CBOR.

The JS side writes cbor-x output: non-shortest map headers, `undefined` (simple 23) for
absent values, float64 for numbers beyond 32 bits (sync-protocol.md 1.1). cbor2 reads all
of it; we turn `undefined` into "absent" before msgspec validates the shape.
"""

from typing import Any

import cbor2
import msgspec

from server.sync.messages import FromClient, ToClient, UnknownMessage

_KNOWN_TYPES = frozenset(t.__struct_config__.tag for t in FromClient.__args__)
_MAX_DEPTH = 8  # real messages nest two levels; anything deeper is hostile


class DecodeError(ValueError):
    """A frame that is not a well-formed message. The peer gets `error` and is closed."""


def decode(frame: bytes) -> FromClient | UnknownMessage:
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
        message: FromClient = msgspec.convert(_without_undefined(obj, 0), FromClient)
    except msgspec.ValidationError as e:
        raise DecodeError(f"invalid {message_type} message: {e}") from e
    return message


def encode(message: ToClient) -> bytes:
    # Never emit 64-bit integers (the client turns them into BigInt) or tags: nothing we
    # send holds either, and to_builtins keeps bytes as CBOR byte strings.
    return cbor2.dumps(msgspec.to_builtins(message, builtin_types=(bytes,)))


def _without_undefined(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise DecodeError("message nests too deeply")
    if isinstance(value, dict):
        return {
            k: _without_undefined(v, depth + 1)
            for k, v in value.items()
            if v is not cbor2.undefined
        }
    if isinstance(value, list):
        return [_without_undefined(v, depth + 1) for v in value]
    return value
