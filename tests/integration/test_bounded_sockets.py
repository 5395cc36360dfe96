"""Sockets are bounded: request deadlines, the connection cap, health at the cap, quiet logs.

Against the real server process (`python -m server`) over real loopback sockets.
"""

import asyncio
import base64
import contextlib
import os
import resource
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec

from server.settings import Settings
from tests.support.api import ApiUser
from tests.support.automerge_docs import add_items
from tests.support.live_server import live_server
from tests.support.plan_circle import create_plan, new_plan_document, register, sections, upload
from tests.support.server_process import ServerHandle, free_port
from tests.support.wire_peer import WirePeer

WAIT_S = 15.0  # bound on anything that should happen within a second or two


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, *args: str, open_files: int | None = None
) -> AsyncIterator[ServerHandle]:
    handle = ServerHandle(
        free_port(), tmp_path / "data", tmp_path / "server.log", args=args, open_files=open_files
    )
    await handle.start()
    try:
        yield handle
    finally:
        await handle.teardown()


class Held:
    """Raw TCP connections to the server that send only what they are told to."""

    def __init__(self) -> None:
        self.streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def open(self, port: int, count: int, first_bytes: bytes = b"") -> None:
        for _ in range(count):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if first_bytes:
                writer.write(first_bytes)
                await writer.drain()
            self.streams.append((reader, writer))

    async def flood(self, port: int, count: int) -> int:
        """Open up to `count` at once (the server accepts them in bursts); how many.

        As many as this process's own descriptor limit leaves room for (raised if it can),
        keeping 256 for the rest of the test run.
        """
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < count + 256:
            wanted = count + 256 if hard == resource.RLIM_INFINITY else min(count + 256, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        if soft != resource.RLIM_INFINITY:
            count = min(count, soft - 256)
        opened = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", port) for _ in range(count))
        )
        self.streams.extend(opened)
        return count

    async def close(self) -> None:
        for _, writer in self.streams:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def seconds_until_closed(reader: asyncio.StreamReader, since: float) -> float:
    """Read until the server closes the connection; when it did, counted from `since`."""
    with contextlib.suppress(ConnectionResetError):
        async with asyncio.timeout(WAIT_S):
            while await reader.read(65536):
                pass
    return time.monotonic() - since


async def served_again(base_url: str) -> httpx.Response:
    """Poll a plain request until the cap lets it through (sockets close asynchronously)."""
    async with asyncio.timeout(WAIT_S), httpx.AsyncClient(base_url=base_url) as http:
        while True:  # no event says the server has seen a socket close: poll
            response = await http.get("/api/plans")
            if response.status_code != 503:
                return response
            await asyncio.sleep(0.05)


async def logged(server: ServerHandle, text: str) -> None:
    """Wait until the server's log says `text` (the only sign of some of its decisions)."""
    async with asyncio.timeout(WAIT_S):
        while True:
            if text in server.log_text():
                return
            await asyncio.sleep(0.05)


async def test_connections_that_send_no_complete_request_are_closed_after_the_timeout(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, "--request-timeout", "1") as server:
        user = await ApiUser.sign_up(server.base_url, "sam")
        peer = await WirePeer.connect(user.sync_url(server.url))
        held = Held()
        start = time.monotonic()

        await held.open(server.port, 40)  # never send a byte
        await held.open(server.port, 10, b"GET /api/health HTTP/1.1\r\nhost: x\r\n")  # slow head
        body = b"POST /api/session HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"
        await held.open(server.port, 10, body)  # slow body
        closed_after = await asyncio.gather(
            *(seconds_until_closed(reader, start) for reader, _ in held.streams)
        )
        await held.close()

        assert min(closed_after) >= 0.9
        assert max(closed_after) < 4.0, closed_after
        # A joined WebSocket is not a pending request: it outlives the deadline.
        await peer.send(
            {"type": "request", "senderId": peer.peer_id, "targetId": peer.server_id,
             "documentId": "2X6KF6zNKC8vQNLSFfm6HxU3J7Q6", "data": b"\x42\x00\x00\x01\x00\x00"}
        )  # fmt: skip
        assert (await peer.recv())["type"] in {"doc-unavailable", "error"}
        await peer.close()
        await user.close()


async def test_beyond_the_cap_requests_get_503_and_sockets_an_error_while_health_answers(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, "--max-connections", "10", "--request-timeout", "60") as server:
        held = Held()
        await held.open(server.port, 10 + Settings().health_reserve)  # past cap and reserve

        async with httpx.AsyncClient(base_url=server.base_url) as http:
            refused = await http.get("/api/plans")
            health = await http.get("/api/health")
        peer = await WirePeer.connect(server.url, join=False)
        code, said = await peer.closed()

        assert refused.status_code == 503
        assert "connection limit" in refused.json()["detail"]
        assert refused.headers["retry-after"] == "5"
        assert health.status_code == 200
        assert code == 1013
        assert said[0]["type"] == "error"
        assert "connection limit" in said[0]["message"]
        # Making room closed the idle connections that had waited longest.
        evicted = await seconds_until_closed(held.streams[0][0], time.monotonic())
        assert evicted < WAIT_S
        await held.close()
        assert (await served_again(server.base_url)).status_code == 401


async def test_an_open_file_limit_below_the_cap_lowers_the_cap_and_health_survives_a_flood(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, "--request-timeout", "60", open_files=256) as server:
        held = Held()

        # Idle, beyond the limit: this exhausted descriptors (EMFILE) when the budget
        # allowed for one accept burst.
        flooded = await held.flood(server.port, 900)
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            health = await http.get("/api/health")
            sign_up = await http.post(
                "/api/accounts",
                json={"email": "a@example.invalid", "password": "x" * 20, "displayName": "a"},
            )
        await held.close()
        await served_again(server.base_url)
        user = await ApiUser.sign_up(server.base_url, "after")
        await user.close()

        assert flooded >= 400  # well past the cap the limit allows (110, and 16 for health)
        assert health.status_code == 200
        assert sign_up.status_code == 503
        assert "connection limit" in sign_up.json()["detail"]
        assert "does not fit the open-file limit 256" in server.log_text()
        assert "out of system resource" not in server.log_text()


async def test_the_log_stays_small_under_a_flood_of_refused_requests(tmp_path: Path) -> None:
    async with running(tmp_path, "--max-connections", "1", "--request-timeout", "60") as server:
        held = Held()
        await held.open(server.port, 1)  # the one connection the cap allows
        before = len(server.log_text())

        async def refused(count: int) -> None:
            for _ in range(count):
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(b"GET /api/plans HTTP/1.1\r\nhost: x\r\n\r\n")
                async with asyncio.timeout(WAIT_S):
                    assert (await reader.read()).startswith(b"HTTP/1.1 503 ")
                writer.close()

        await asyncio.gather(*(refused(200) for _ in range(10)))
        grown = len(server.log_text()) - before
        await held.close()

        assert grown < 8_000, server.log_text()[-4000:]


async def test_when_every_socket_is_busy_a_newcomer_is_refused_before_it_sends(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path, max_connections=2, health_reserve=0, request_timeout_s=60
    )
    async with live_server(settings) as server:
        peers = [await WirePeer.connect(server.url) for _ in range(2)]
        reader, writer = await asyncio.open_connection("127.0.0.1", server.settings.port)

        async with asyncio.timeout(WAIT_S):
            answer = await reader.read()
        writer.close()
        for peer in peers:
            await peer.close()

        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503 ")
        assert "connection limit" in msgspec.json.decode(body)["detail"]


async def test_a_connection_that_reads_nothing_of_its_response_is_dropped(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, "--request-timeout", "1") as server:
        user = await ApiUser.sign_up(server.base_url, "sam")
        plan = await create_plan(user)
        doc_id = await register(user, plan["id"], "person")
        doc = new_plan_document("person")
        # An export of about 7 MB: more than socket buffers.
        texts = [base64.b64encode(os.urandom(1500)).decode() for _ in range(1500)]
        add_items(doc, sections("person")[0], texts)
        peer = await WirePeer.connect(user.sync_url(server.url))
        await upload(peer, doc_id, doc)
        await peer.close()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        reader, writer = await asyncio.open_connection(sock=sock)
        request = (
            f"GET /api/plans/{plan['id']}/export HTTP/1.1\r\nhost: x\r\n"
            f"authorization: Bearer {user.token}\r\n\r\n"
        )

        writer.write(request.encode())  # and read nothing, until the server gives up
        await logged(server, "read nothing of its response")
        received = bytearray()
        with contextlib.suppress(ConnectionResetError):
            while chunk := await reader.read(65536):
                received += chunk
        writer.close()
        await user.close()

        head, _, body = bytes(received).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
        assert len(body) < int(headers[b"content-length"])  # cut short: dropped
