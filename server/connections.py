"""Bounded sockets: a deadline for every request, and a cap on open connections.

uvicorn alone keeps a TCP connection that never sends a byte (or sends a request a byte a
minute) open for ever, and accepts connections until the process runs out of file
descriptors, after which sign-up, sync and health all fail. Its `limit_concurrency` does
not help: it counts tasks, exempts nothing (not even health) and lets WebSocket upgrades
through. So:

- `BoundedH11Protocol`: uvicorn's h11 protocol, closing a connection that has not sent a
  complete request (head and body) within `request_timeout_s` of opening, or of its last
  response, and one that reads nothing of its response for `STALLED_READS` times that
  (uvicorn would wait for it for ever). Upgraded WebSockets leave it: the join timeout,
  then pings, bound them.
- `CapacityGate`: beyond `max_connections` open sockets, plain requests get 503 with a
  reason and WebSocket upgrades are accepted, told why in an `error` message and closed
  with 1013 (a refused upgrade would crash Node clients, spec 2.3); `/api/health` is still
  served, from a reserve of `health_reserve` more. Beyond that reserve the connection that
  has waited longest for a request is closed to make room; if every socket is busy (a
  request in progress or a WebSocket), the newcomer is answered 503 before it is read.
"""

import asyncio
import logging
import resource
from collections.abc import Callable, Sized
from typing import Any

import h11
import msgspec
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from server.ids import PeerId
from server.sync import codec
from server.sync.messages import ErrorMessage

log = logging.getLogger(__name__)

HEALTH_PATH = "/api/health"
# Descriptors the process needs besides its sockets: SQLite (two connections, each with the
# database, its WAL and shared memory), the listening socket, logs, the event loop's own.
SPARE_DESCRIPTORS = 64
# asyncio accepts up to `backlog` connections in one go before any of them is looked at:
# uvicorn's default (2048) would be most of a 1024 descriptor limit.
ACCEPT_BACKLOG = 128
MIN_ACCEPT_BACKLOG = 16
# How many such bursts can be open beyond the cap at once. A burst's sockets get their
# protocol one loop step later (asyncio's `_accept_connection2`, then `connection_made`
# scheduled by the transport); making room closes an older socket one step after that. The
# listening socket is read at each of those steps, so three bursts are open before the
# first one's evictions free a descriptor (seen as EMFILE with one burst allowed for).
ACCEPT_BURSTS_IN_FLIGHT = 3
RETRY_AFTER_S = 5  # the stock automerge-repo client retries after 5 s too
# A response nobody reads (the transport's buffer stays full) is dropped after this many
# request timeouts: 30 s by default, when a phone on a poor network still reads ~2 KiB/s.
STALLED_READS = 3
CLOSE_TRY_AGAIN_LATER = 1013

_BUSY = "the server is at its connection limit; please retry in a few seconds"
_FULL_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: application/json\r\n"
    b"retry-after: %d\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)


class ConnectionLimits(msgspec.Struct, frozen=True):
    max_connections: int
    request_timeout_s: float
    health_reserve: int
    """Connections beyond the cap that may still ask for /api/health."""
    accept_backlog: int = ACCEPT_BACKLOG

    @property
    def descriptors(self) -> int:
        return self.max_connections + self._beyond_the_cap(self.accept_backlog)

    def _beyond_the_cap(self, backlog: int) -> int:
        return self.health_reserve + ACCEPT_BURSTS_IN_FLIGHT * backlog + SPARE_DESCRIPTORS

    def fitted_to(self, open_files: int) -> "ConnectionLimits":
        """The largest limits within `open_files`.

        A shorter accept burst first, then fewer connections (at least one).
        """
        room = open_files - self._beyond_the_cap(0)
        backlog = min(self.accept_backlog, max(MIN_ACCEPT_BACKLOG, room // 8))
        connections = max(1, min(self.max_connections, room - ACCEPT_BURSTS_IN_FLIGHT * backlog))
        return msgspec.structs.replace(self, max_connections=connections, accept_backlog=backlog)


class OpenSockets:
    """The sockets the server holds (uvicorn's own set of live protocols).

    Of those, `waiting` are the ones waiting for a request, oldest first: the first to go
    when room is needed.
    """

    def __init__(self) -> None:
        self._protocols: Sized = ()
        self.waiting: dict[BoundedH11Protocol, None] = {}

    def watch(self, state: ServerState) -> None:
        self._protocols = state.connections

    def __len__(self) -> int:
        return len(self._protocols)

    def evict_oldest_waiting(self, keep: "BoundedH11Protocol") -> bool:
        for protocol in self.waiting:
            if protocol is not keep:
                del self.waiting[protocol]
                protocol.evict()
                return True
        return False


def fit_descriptor_limit(limits: ConnectionLimits) -> ConnectionLimits:
    """Raise the soft descriptor limit as far as the cap needs; lower the cap if it can't.

    Past the limit, accept() fails and nothing else (SQLite included) may open a file.
    """
    needed = limits.descriptors
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = raised
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return limits
    fitted = limits.fitted_to(soft)
    log.warning(
        "--max-connections %d does not fit the open-file limit %d (ulimit -n); using %d"
        " (accepting at most %d at a time)",
        limits.max_connections,
        soft,
        fitted.max_connections,
        fitted.accept_backlog,
    )
    return fitted


class BoundedH11Protocol(H11Protocol):
    """One HTTP connection; `bounded_protocol` gives it its limits."""

    limits: ConnectionLimits
    sockets: OpenSockets

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.sockets.watch(server_state)
        self._deadline: asyncio.TimerHandle | None = None
        self._stalled: asyncio.TimerHandle | None = None  # armed while writing is paused
        self._upgraded = False  # the transport belongs to a WebSocket protocol now

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        full = len(self.connections) > self.limits.max_connections + self.limits.health_reserve
        # Idle sockets must not keep a health check (or anyone) out: the one that has
        # waited longest for a request makes room. Only when every socket is busy with a
        # request or a WebSocket is the newcomer refused, before reading anything from it.
        if full and not self.sockets.evict_oldest_waiting(keep=self):
            log.warning("connection refused: %d sockets open", len(self.connections) - 1)
            body = msgspec.json.encode({"detail": _BUSY})
            transport.write(_FULL_RESPONSE % (RETRY_AFTER_S, len(body), body))
            transport.close()
            return
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._upgraded = True
        self._stop_deadline()
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        if self._stalled is not None:
            self._stalled.cancel()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stalled is None:
            timeout = STALLED_READS * self.limits.request_timeout_s
            self._stalled = self.loop.call_later(timeout, self._reads_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None

    def _reads_stalled(self) -> None:
        self._stalled = None
        log.info(
            "closed a connection that read nothing of its response in %.0f s",
            STALLED_READS * self.limits.request_timeout_s,
        )
        self.transport.abort()  # close() would wait for the buffer to drain, for ever

    def evict(self) -> None:
        log.info(
            "closed the longest-waiting connection to make room: %d sockets open",
            len(self.connections),
        )
        self._stop_deadline()
        self.transport.close()

    def _watch(self) -> None:
        # A request is complete once h11 has its end (DONE); until then the clock runs.
        # Every response restarts it for the next request on this connection.
        if self._upgraded or self.conn.their_state is h11.DONE or self.transport.is_closing():
            self._stop_deadline()
        elif self._deadline is None:
            self._deadline = self.loop.call_later(
                self.limits.request_timeout_s, self._request_timed_out
            )
            self.sockets.waiting[self] = None

    def _stop_deadline(self) -> None:
        self.sockets.waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _request_timed_out(self) -> None:
        self._stop_deadline()
        if self.transport.is_closing():
            return
        log.info(
            "closed a connection that sent no complete request in %.0f s",
            self.limits.request_timeout_s,
        )
        self.transport.close()


def bounded_protocol(limits: ConnectionLimits, sockets: OpenSockets) -> type[BoundedH11Protocol]:
    """The protocol class for uvicorn's `http` setting (it instantiates it per connection)."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"limits": limits, "sockets": sockets})


class CapacityGate:
    """ASGI middleware: past the cap, only /api/health is served; everyone else is told why."""

    def __init__(
        self,
        app: ASGIApp,
        limits: ConnectionLimits,
        sockets: OpenSockets,
        server_peer_id: Callable[[], str],
    ) -> None:
        self.app = app
        self.limits = limits
        self.sockets = sockets
        self.server_peer_id = server_peer_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind: str = scope["type"]  # "lifespan" too, which Litestar's Scope type leaves out
        over = len(self.sockets) > self.limits.max_connections
        if not over or kind == "lifespan" or scope["path"] == HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        log.warning("over the connection limit (%d sockets open): refused", len(self.sockets))
        if kind == "websocket":
            await self._refuse_socket(receive, send)
        else:
            await _refuse_request(send)

    async def _refuse_socket(self, receive: Receive, send: Send) -> None:
        # Accept, then close: a refused upgrade crashes Node clients (spec 2.3), and the
        # `error` message is what the app shows (client/src/repo.ts: refusal).
        if (await receive())["type"] != "websocket.connect":
            return
        error = ErrorMessage(sender_id=PeerId(self.server_peer_id()), message=_BUSY)
        await send({"type": "websocket.accept", "subprotocol": None, "headers": []})
        await send({"type": "websocket.send", "bytes": codec.encode(error), "text": None})
        await send(
            {"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER, "reason": "server busy"}
        )


async def _refuse_request(send: Send) -> None:
    body = msgspec.json.encode({"detail": _BUSY})
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(RETRY_AFTER_S).encode()),
            (b"connection", b"close"),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
