"""A real SMTP server (aiosmtpd) in the test's own event loop: what it receives, in order."""

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session


class Inbox:
    """Messages the server accepted. `gate`: while clear, DATA waits (a slow mail server)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: asyncio.Queue[EmailMessage] = asyncio.Queue()
        self.gate = asyncio.Event()
        self.gate.set()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def next(self, timeout_s: float = 10.0) -> EmailMessage:
        async with asyncio.timeout(timeout_s):
            return await self.received.get()

    async def handle_DATA(  # noqa: N802 - aiosmtpd's name for the hook
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        await self.gate.wait()
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        await self.received.put(message)
        return "250 OK"


@asynccontextmanager
async def smtp_server() -> AsyncIterator[Inbox]:
    loop = asyncio.get_running_loop()
    inbox = Inbox(0)
    server = await loop.create_server(
        lambda: SMTP(inbox, hostname="localhost", loop=loop), "127.0.0.1", 0
    )
    inbox.port = server.sockets[0].getsockname()[1]
    try:
        yield inbox
    finally:
        inbox.gate.set()
        server.close()
        await server.wait_closed()
