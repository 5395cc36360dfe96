"""Sending mail (password-reset links) through the SMTP server `--smtp-url` names.

URL forms: `smtp://[user:password@]host[:port]` (port 25; STARTTLS when the server offers
it), `smtp+starttls://...` (port 587; STARTTLS required) and `smtps://...` (port 465; TLS
from the start). User and password are percent-encoded. The URL is never logged: it may hold
a password.
"""

from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import msgspec

SEND_TIMEOUT_S = 30.0
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class BadSmtpUrl(ValueError):
    """The SMTP URL names nothing usable (the message says why, without the password)."""


class SmtpServer(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None
    """True: required; None: when offered (aiosmtplib's meaning)."""

    def __repr__(self) -> str:  # no password in any traceback or log line
        return f"SmtpServer(host={self.host!r}, port={self.port})"


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadSmtpUrl("the scheme must be smtp://, smtp+starttls:// or smtps://")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as e:
        raise BadSmtpUrl("the port must be a number from 1 to 65535") from e
    if not parts.hostname:
        raise BadSmtpUrl("a host is needed (smtp://host:port)")
    return SmtpServer(
        host=parts.hostname,
        port=port,
        username=None if parts.username is None else unquote(parts.username),
        password=None if parts.password is None else unquote(parts.password),
        use_tls=scheme == "smtps",
        start_tls=True if scheme == "smtp+starttls" else None,
    )


class Mailer(Protocol):
    async def send(self, to: str, subject: str, text: str) -> None:
        """Deliver a plain-text message to the SMTP server, or raise."""
        ...


class SmtpMailer:
    def __init__(self, server: SmtpServer, sender: str) -> None:
        self._server = server
        self._sender = sender

    async def send(self, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        server = self._server
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            start_tls=server.start_tls,
            timeout=SEND_TIMEOUT_S,
        )
