"""A push service in the test's loop (aiohttp on loopback) and a browser's subscription keys.

What a browser does with a push, done here: the message is decrypted with the private key
and auth secret the subscription was made with (RFC 8291, http_ece), and its VAPID header is
checked against the server's public key (RFC 8292, py_vapid).
"""

import asyncio
import base64
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """A subscription's secrets, as a browser keeps them."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self, kinds: list[str]) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64(public), "auth": b64(self.auth)},
            "kinds": kinds,
        }

    def decrypt(self, body: bytes) -> bytes:
        plain: bytes = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return plain


class Pushed:
    def __init__(self, path: str, headers: dict[str, str], body: bytes) -> None:
        self.path = path
        self.headers = headers
        self.body = body

    def vapid_key(self) -> str:
        """The `k` of the Authorization header (after checking the token's signature)."""
        authorization = self.headers["Authorization"]
        assert Vapid02.verify(authorization), authorization
        parts = dict(p.split("=", 1) for p in authorization.split(" ", 1)[1].split(","))
        return parts["k"]

    def message(self, browser: Browser) -> dict[str, Any]:
        assert self.headers["Content-Encoding"] == "aes128gcm"
        found: dict[str, Any] = json.loads(browser.decrypt(self.body))
        return found


class PushService:
    """Answers 201, or the status `answers` gives a path (410, 404); queues what it got."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: asyncio.Queue[Pushed] = asyncio.Queue()
        self.answers: dict[str, int] = {}
        self.stalls: set[str] = set()
        """Paths answered only once `release` is set (a push service that hangs)."""
        self.release = asyncio.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.put_nowait(Pushed(request.path, dict(request.headers), body))
        if request.path in self.stalls:
            await self.release.wait()
        return web.Response(status=self.answers.get(request.path, 201))

    async def next(self, within_s: float = 10.0) -> Pushed:
        async with asyncio.timeout(within_s):
            return await self.received.get()


@asynccontextmanager
async def push_service() -> AsyncIterator[PushService]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    service = PushService(port)
    app = web.Application()
    app.router.add_post("/{tail:.*}", service.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield service
    finally:
        service.release.set()
        await runner.cleanup()
