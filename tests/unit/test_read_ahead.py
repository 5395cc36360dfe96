"""ReadAheadWebSocketProtocol: reads on while a few small messages wait, and no further.

uvicorn's own protocol, our subclass and a real socket (a socketpair's transport); the
peer's frames are handed to the protocol as the transport would, so what waits at each
step is exact.
"""

import asyncio
import base64
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from uvicorn.server import ServerState
from websockets.frames import Frame, Opcode

from server.connections import READ_AHEAD_BYTES, READ_AHEAD_MESSAGES, ReadAheadWebSocketProtocol


@dataclass
class Handler:
    """An ASGI app that accepts, then takes messages only when the test lets it."""

    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    allowed: asyncio.Queue[int] = field(default_factory=asyncio.Queue)
    taken: list[bytes] = field(default_factory=list)
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        self.accepted.set()
        while True:
            count = await self.allowed.get()
            for _ in range(count):
                event = await receive()
                if event["type"] != "websocket.receive":
                    return
                self.taken.append(event["bytes"])
            self.caught_up.set()

    async def take(self, count: int) -> None:
        self.caught_up.clear()
        self.allowed.put_nowait(count)
        await asyncio.wait_for(self.caught_up.wait(), 5)


def frame(payload: bytes) -> bytes:
    """A binary frame as a client sends it (masked)."""
    return Frame(Opcode.BINARY, payload).serialize(mask=True, extensions=[])


Upgraded = tuple[ReadAheadWebSocketProtocol, asyncio.Transport, Handler]


@asynccontextmanager
async def upgraded() -> AsyncIterator[Upgraded]:
    handler = Handler()
    config = uvicorn.Config(
        handler, ws=ReadAheadWebSocketProtocol, lifespan="off", ws_per_message_deflate=False
    )
    config.load()
    protocol = ReadAheadWebSocketProtocol(config, ServerState(), {})
    ours, theirs = socket.socketpair()
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(lambda: protocol, ours)
    assert isinstance(transport, asyncio.Transport)
    key = base64.b64encode(os.urandom(16))
    protocol.data_received(
        b"GET /sync HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await asyncio.wait_for(handler.accepted.wait(), 5)
    try:
        yield protocol, transport, handler
    finally:
        transport.abort()
        theirs.close()


async def test_small_messages_are_read_on_until_the_bound_then_reading_resumes() -> None:
    async with upgraded() as (protocol, transport, handler):
        sent = [f"message {i}".encode() for i in range(READ_AHEAD_MESSAGES)]
        for payload in sent[:-1]:
            protocol.data_received(frame(payload))
        assert transport.is_reading()  # uvicorn's own stops after the first
        protocol.data_received(frame(sent[-1]))
        assert not transport.is_reading()

        await handler.take(READ_AHEAD_MESSAGES - 1)
        assert not transport.is_reading()  # one still waits
        await handler.take(1)
        assert transport.is_reading()
        assert handler.taken == sent


async def test_a_large_message_stops_reading_at_once() -> None:
    async with upgraded() as (protocol, transport, handler):
        protocol.data_received(frame(b"small"))
        assert transport.is_reading()
        protocol.data_received(frame(b"x" * READ_AHEAD_BYTES))
        assert not transport.is_reading()
        await handler.take(2)
        assert transport.is_reading()
        assert [len(m) for m in handler.taken] == [5, READ_AHEAD_BYTES]


async def test_bytes_add_up_across_messages() -> None:
    async with upgraded() as (protocol, transport, handler):
        quarter = b"q" * (READ_AHEAD_BYTES // 4)
        for _ in range(3):
            protocol.data_received(frame(quarter))
        assert transport.is_reading()
        protocol.data_received(frame(quarter))
        assert not transport.is_reading()
        await handler.take(4)
        assert transport.is_reading()
        # Taken messages no longer count: three more quarters are read on.
        for _ in range(3):
            protocol.data_received(frame(quarter))
        assert transport.is_reading()
