"""Sending one Web Push message (RFC 8030/8291/8292) with pywebpush's encryption and VAPID.

The only module that imports pywebpush and aiohttp. Encryption and signing (a few ms of
elliptic-curve work) run on a thread; the request is aiohttp's, on the loop, with a timeout,
so a slow or dead endpoint holds up nothing but its own send. Redirects are not followed,
and the host is resolved by a resolver that keeps only public addresses (loopback too with
`allow_loopback`, for tests): an endpoint is a URL a client gave us, and must not make the
server a request forger against its own network, even by DNS answers that change.
"""

import asyncio
import base64
import enum
import ipaddress
import logging
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from pywebpush import WebPusher

from server.storage.push import SubscriptionRow

log = logging.getLogger(__name__)

TTL_S = 24 * 3600
"""A push service keeps a message this long for a phone that is off."""
TIMEOUT_S = 10.0
MAX_SENDING = 16
"""Sends in flight at once (each waits for its push service's answer)."""


class Delivery(enum.Enum):
    SENT = "sent"
    GONE = "gone"
    """404 or 410: the subscription has ended; it is dropped."""
    FAILED = "failed"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_private_key() -> str:
    """A new VAPID private key: base64url of the 32-byte P-256 private value."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key(private_key: str) -> str:
    """The applicationServerKey browsers subscribe with (base64url, uncompressed point)."""
    vapid = Vapid.from_raw(private_key.encode())
    raw = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return _b64(raw)


def endpoint_problem(endpoint: str, *, allow_loopback: bool) -> str | None:
    """Why the server will not send to this URL, or None. Checked again by the resolver."""
    try:
        url = urlsplit(endpoint)
        host = url.hostname or ""
        _ = url.port  # a bad port raises
    except ValueError:
        return "endpoint is not a URL"
    if url.username is not None or url.password is not None or not host:
        return "endpoint must be an https URL with a host and no credentials"
    if allow_loopback and url.scheme in {"http", "https"} and _is_loopback(host):
        return None
    if url.scheme != "https":
        return "endpoint must be an https URL"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None if "." in host else "endpoint must name a public host"
    return None if address.is_global else "endpoint must name a public host"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PublicResolver(AbstractResolver):
    """Keeps only public addresses (and loopback, if allowed) of whatever DNS answers."""

    def __init__(self, *, allow_loopback: bool) -> None:
        self._resolver = DefaultResolver()
        self._allow_loopback = allow_loopback

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        kept = [r for r in found if self._allowed(r["host"])]
        if not kept:
            raise OSError(f"{host} has no public address")
        return kept

    def _allowed(self, host: str) -> bool:
        address = ipaddress.ip_address(host)
        return address.is_global or (self._allow_loopback and address.is_loopback)

    async def close(self) -> None:
        await self._resolver.close()


class WebPushSender:
    """Sends encrypted, VAPID-signed messages; `close()` ends its connections."""

    def __init__(self, private_key: str, subject: str, *, allow_loopback: bool = False) -> None:
        self._vapid = Vapid.from_raw(private_key.encode())
        self._subject = subject
        self._allow_loopback = allow_loopback
        self._sending = asyncio.Semaphore(MAX_SENDING)
        self._session: aiohttp.ClientSession | None = None
        self._resolver: PublicResolver | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on the loop, at the first send
            self._resolver = PublicResolver(allow_loopback=self._allow_loopback)
            connector = aiohttp.TCPConnector(resolver=self._resolver, limit=MAX_SENDING)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
            )
        return self._session

    async def send(self, subscription: SubscriptionRow, payload: bytes) -> Delivery:
        """Deliver `payload` to one browser; never raises (a failure is logged)."""
        if endpoint_problem(subscription.endpoint, allow_loopback=self._allow_loopback):
            return Delivery.GONE  # stored before a rule tightened: not ours to call
        async with self._sending:
            try:
                body, headers = await asyncio.to_thread(self._prepare, subscription, payload)
                async with self._client().post(
                    subscription.endpoint, data=body, headers=headers, allow_redirects=False
                ) as response:
                    status = response.status  # the body is not read: it may be any size
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as e:
                log.warning("push to %s failed: %s", _origin(subscription.endpoint), e)
                return Delivery.FAILED
        if status in {404, 410}:
            return Delivery.GONE
        if status >= 300:
            log.warning("push to %s refused: %s", _origin(subscription.endpoint), status)
            return Delivery.FAILED
        return Delivery.SENT

    def _prepare(self, subscription: SubscriptionRow, payload: bytes) -> tuple[bytes, Any]:
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        encoded = WebPusher(info).encode(payload, "aes128gcm")
        claims = {
            "aud": _origin(subscription.endpoint),
            "exp": int(time.time()) + 12 * 3600,
            "sub": self._subject,
        }
        headers = dict(self._vapid.sign(claims))
        headers.update(
            {
                "TTL": str(TTL_S),
                "Content-Encoding": "aes128gcm",
                "Content-Type": "application/octet-stream",
                "Urgency": "normal",
            }
        )
        return bytes(encoded["body"]), headers

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._resolver is not None:
            await self._resolver.close()


def _origin(endpoint: str) -> str:
    url = urlsplit(endpoint)
    return f"{url.scheme}://{url.netloc}"
