"""The WebSocket route: frames in, frames out. Everything after decoding is the hub's job.

Accepts the upgrade on any path (a refused upgrade crashes Node clients, spec 2.3). The first
frame must be `join`; after that each frame is size-checked, rate-limited and decoded, and
any protocol violation closes only this connection, after an `error` message saying why.
Text frames count like any frame and are such a violation: the protocol is binary.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from server.auth.guards import identify_socket
from server.auth.policy import Identity
from server.errors import ProtocolError, StorageError
from server.settings import Settings
from server.sync import codec
from server.sync.hub import SyncHub
from server.sync.messages import UNAUTHENTICATED, JoinMessage
from server.sync.peers import (
    CLOSE_INTERNAL_ERROR,
    CLOSE_NORMAL,
    CLOSE_POLICY_VIOLATION,
    CLOSE_TOO_BIG,
    CLOSE_UNAUTHORIZED,
    CLOSE_UNSUPPORTED_DATA,
    Connection,
)

log = logging.getLogger(__name__)

STORAGE_BACKOFF_S = 30.0  # after a storage failure, new sockets are told so this long
# ASGI has no way to drop a connection: a `websocket.close` waits, like any send, until the
# socket takes more data, which a peer that stops reading never lets happen. uvicorn's
# WebSocket protocols own an asyncio transport; `abortable` puts its `abort` in the scope.
_ABORT = "safety-plans.transport-abort"
_AsgiApp = Callable[[Any, Any, Any], Awaitable[None]]


def abortable(app: _AsgiApp) -> _AsgiApp:
    """Wrap the ASGI app so that sync sockets can be aborted (see `_SocketTransport.abort`)."""

    async def with_abort(scope: dict[str, Any], receive: Any, send: Any) -> None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if scope["type"] == "websocket" and isinstance(transport, asyncio.Transport):
            scope.setdefault("extensions", {})[_ABORT] = {"abort": transport.abort}
        await app(scope, receive, send)

    return with_abort


class _SocketTransport:
    def __init__(self, socket: WebSocket[Any, Any, Any]) -> None:
        self._socket = socket

    async def send_bytes(self, data: bytes) -> None:
        await self._socket.send({"type": "websocket.send", "bytes": data, "text": None})

    async def close(self, code: int, reason: str) -> None:
        await self._socket.close(code, reason)

    def abort(self) -> None:
        extensions: dict[str, Any] = dict(self._socket.scope.get("extensions") or {})
        extension: dict[str, Callable[[], None]] | None = extensions.get(_ABORT)
        if extension is None:
            # Not served by uvicorn through `abortable`: the sender is cancelled (`_finish`)
            # and the server closes the socket once the peer reads or goes.
            log.warning("cannot abort a socket outside uvicorn; it closes when the peer reads")
            return
        extension["abort"]()


async def _next_frame(socket: WebSocket[Any, Any, Any]) -> bytes | str | None:
    """The next frame (text frames as str); None once the peer is gone."""
    try:
        event = await socket.receive()
    except WebSocketDisconnect:
        return None
    if event["type"] != "websocket.receive":
        return None
    data: bytes | None = event.get("bytes")
    if data is not None:
        return data
    text: str = event.get("text") or ""
    return text


@websocket(["/", "/sync", "/{path:path}"], name="sync")
async def sync_socket(socket: WebSocket[Any, Any, Any]) -> None:
    hub: SyncHub = socket.app.state.hub
    settings: Settings = socket.app.state.settings
    await socket.accept()
    connection = Connection(
        _SocketTransport(socket),
        server_peer_id=hub.server_peer_id,
        identity=Identity(),
        messages_per_second=settings.messages_per_second,
        message_burst=settings.message_burst,
        max_outbound_bytes=settings.max_outbound_bytes,
        close_grace_s=settings.close_grace_s,
    )
    sender = asyncio.create_task(connection.run_sender(), name="ws-sender")
    try:
        if _storage_available(socket, connection) and await _storage_guarded(
            _authenticated(socket, connection, hub, settings), connection
        ):
            await _serve(socket, connection, hub, settings)
    finally:
        hub.leave(connection)
        connection.close(CLOSE_NORMAL)
        await _finish(sender, connection, settings.close_grace_s)


def _storage_available(socket: WebSocket[Any, Any, Any], connection: Connection) -> bool:
    """After a storage failure, tell newcomers at once for a while: they back off.

    Without this every client reconnecting (each 5 s) would load, upload and fail again.
    """
    failure = socket.app.state.storage.failing(within_s=STORAGE_BACKOFF_S)
    if failure is None:
        return True
    connection.fail(
        f"the server cannot use its storage ({failure}); please retry later", CLOSE_INTERNAL_ERROR
    )
    return False


async def _storage_guarded(authenticated: Awaitable[bool], connection: Connection) -> bool:
    try:
        return await authenticated
    except StorageError as e:  # the storage logged why, once
        connection.fail(
            f"the server cannot check credentials ({e}); please retry later", CLOSE_INTERNAL_ERROR
        )
        return False


async def _authenticated(
    socket: WebSocket[Any, Any, Any], connection: Connection, hub: SyncHub, settings: Settings
) -> bool:
    """Set the connection's identity; without a valid credential, explain and close.

    Never refuse the upgrade itself: an HTTP 401 would crash Node clients (spec 2.3).
    """
    if not hub.policy.enforced:
        return True
    accounts = socket.app.state.accounts
    while True:  # again if a credential was revoked while this one was being read
        epoch = hub.credential_epoch
        identity = await identify_socket(socket, accounts, settings.allowed_origins)
        if identity is None:
            connection.fail(
                "authentication required: a valid ?token= or session cookie from an allowed Origin",
                CLOSE_UNAUTHORIZED,
                why=UNAUTHENTICATED,
            )
            return False
        connection.identity = identity
        if hub.authenticated(connection, epoch):
            return True


async def _serve(
    socket: WebSocket[Any, Any, Any], connection: Connection, hub: SyncHub, settings: Settings
) -> None:
    try:
        async with asyncio.timeout(settings.join_timeout_s):
            frame = await _next_frame(socket)
    except TimeoutError:
        connection.fail("no join message received")
        return
    while frame is not None and not connection.closing:
        await _receive(frame, connection, hub, settings)
        if connection.is_closing():
            return  # refused: what the peer sends now is not read (a close waits for it)
        frame = await _next_frame(socket)


async def _receive(
    frame: bytes | str, connection: Connection, hub: SyncHub, settings: Settings
) -> None:
    if len(frame) > settings.max_message_bytes:
        connection.fail(f"message larger than {settings.max_message_bytes} bytes", CLOSE_TOO_BIG)
        return
    if not connection.take_message_token():
        connection.fail("too many messages", CLOSE_POLICY_VIOLATION)
        return
    if isinstance(frame, str):
        # The protocol is binary CBOR only (spec 1); no client sends text.
        connection.fail("text frames are not part of the protocol", CLOSE_UNSUPPORTED_DATA)
        return
    try:
        message = codec.decode(frame)
        if connection.peer_id is None:
            if not isinstance(message, JoinMessage):
                raise ProtocolError("the first message must be join")
            hub.join(connection, message)
        else:
            await hub.handle(connection, message)
    except ProtocolError as e:
        connection.fail(str(e), why=e.reason, document_id=e.document_id)
    except codec.DecodeError as e:
        connection.fail(str(e))
    except StorageError as e:
        log.warning("storage failed while serving %s: %s", connection.peer_id, e)
        connection.fail(
            f"the server could not read a document ({e}); please retry", CLOSE_INTERNAL_ERROR
        )
    except Exception:
        # A bug must cost this connection only. Documents stay consistent whatever was
        # raised: a message's changes reach the live document only after they are vetted.
        log.exception("unexpected error while serving %s", connection.peer_id)
        connection.fail("internal server error", CLOSE_INTERNAL_ERROR)


async def _finish(sender: asyncio.Task[None], connection: Connection, grace_s: float) -> None:
    # The peer may be gone already (sends then fail) or may never read again (then it is
    # aborted at the close grace, with what it did not read: Connection.close; a sender
    # still stuck after that, on a socket that cannot be aborted, is cancelled): either way
    # this connection's resources are released here.
    try:
        await asyncio.wait_for(sender, grace_s + 1.0)
    except Exception:  # a socket that failed while sending is done with
        log.debug("sender of %s ended with an error", connection.peer_id, exc_info=True)
