"""HTTP bodies of accounts, sessions and device tokens."""

from datetime import datetime

import msgspec


class AccountCreate(msgspec.Struct, kw_only=True, rename="camel"):
    email: str
    password: str
    display_name: str


class Account(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    id: str
    email: str
    display_name: str


class SessionCreate(msgspec.Struct, kw_only=True, rename="camel"):
    email: str
    password: str


class TokenCreate(msgspec.Struct, kw_only=True, rename="camel"):
    label: str
    expires_in_days: int | None = None


class TokenCreated(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    id: str
    token: str
    """Shown once; only its hash is stored."""
    expires_at: datetime | None


class Device(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    """A session (a browser signed in) or a device token, as "My devices" lists it."""

    id: str
    kind: str
    """"session" or "token"."""
    label: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    current: bool
    """The session or token this request was made with."""


class PasswordResetRequest(msgspec.Struct, kw_only=True, rename="camel"):
    email: str


class PasswordResetAccepted(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    detail: str


class PasswordResetConfirm(msgspec.Struct, kw_only=True, rename="camel"):
    token: str
    password: str
