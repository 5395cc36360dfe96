"""Who is calling: the session cookie or a device token, checked on every request.

Cookie-authenticated requests that change state must come from an allowed Origin (CSRF
protection on top of SameSite); Bearer requests carry no ambient authority and need none.
"""

from typing import Any

from litestar.connection import ASGIConnection

from server.auth.policy import Identity
from server.auth.service import AccountService
from server.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "sp_session"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HTTP_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


def origin_allowed(
    connection: ASGIConnection[Any, Any, Any, Any], allowed: tuple[str, ...]
) -> bool:
    """The Origin header names this server itself or one of the configured origins."""
    origin = connection.headers.get("origin")
    if origin is None:
        return False
    if origin in allowed:
        return True
    own = (
        f"{_HTTP_SCHEME.get(connection.url.scheme, 'http')}://{connection.headers.get('host', '')}"
    )
    return origin == own


def bearer_secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


async def identify_request(
    connection: ASGIConnection[Any, Any, Any, Any],
    accounts: AccountService,
    allowed_origins: tuple[str, ...],
) -> Identity:
    token = bearer_secret(connection)
    if token is not None:
        identity = await accounts.identify(token)
        if identity is None:
            raise Unauthenticated("the token is invalid, expired or revoked")
        return identity
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise Unauthenticated("sign in first")
    identity = await accounts.identify(cookie)
    if identity is None:
        raise Unauthenticated("the session has ended; sign in again")
    method = connection.scope.get("method", "GET")
    if method in _UNSAFE_METHODS and not origin_allowed(connection, allowed_origins):
        raise Forbidden("cross-site request refused (Origin not allowed)")
    return identity


async def identify_socket(
    connection: ASGIConnection[Any, Any, Any, Any],
    accounts: AccountService,
    allowed_origins: tuple[str, ...],
) -> Identity | None:
    """A WebSocket: `?token=` (scripts, other clients) or the cookie from an allowed Origin."""
    token = connection.query_params.get("token")
    if token:
        return await accounts.identify(token)
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie and origin_allowed(connection, allowed_origins):
        return await accounts.identify(cookie)
    return None
