"""Accounts, sign-in sessions and device tokens: the rules, on the AccountRecords port."""

import uuid

from server.auth.credentials import PasswordHashing, new_secret, secret_hash
from server.auth.models import Account, AccountCreate, Device, TokenCreate, TokenCreated
from server.auth.policy import AccessEvents, Identity
from server.auth.throttle import SignInThrottle, SignUpThrottle
from server.clock import now_ms, utc
from server.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from server.storage.attempts import AttemptLog
from server.storage.records import AccountRecords, AccountRow, CredentialRow, DeviceRow

MAX_TOKEN_DAYS = 3650
_DAY_MS = 24 * 3600 * 1000
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_FIELD = 200
# A credential's "last used" is written at most this often (not on every request).
TOUCH_EVERY_MS = 60 * 1000
_MAX_TOUCHED = 10_000  # credentials whose last write is remembered; beyond, forgotten


def _public(row: AccountRow) -> Account:
    return Account(id=row.id, email=row.email, display_name=row.display_name)


def _check_lengths(email: str, password: str) -> None:
    """Refuse what no account can have, before any lookup or hash (so it reveals nothing)."""
    if len(email) > MAX_FIELD:
        raise InvalidInput(f"an email address has at most {MAX_FIELD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")


def check_password(password: str) -> None:
    """The rules of a new password (sign-up and reset alike)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")


def _device(row: DeviceRow, current: str | None) -> Device:
    return Device(
        id=row.id,
        kind=row.kind,
        label=row.label or ("a browser" if row.kind == "session" else "a device"),
        created_at=utc(row.created_at_ms),
        last_used_at=None if row.last_used_at_ms is None else utc(row.last_used_at_ms),
        expires_at=None if row.expires_at_ms is None else utc(row.expires_at_ms),
        current=row.id == current,
    )


class AccountService:
    def __init__(
        self,
        records: AccountRecords,
        events: AccessEvents,
        *,
        hashing: PasswordHashing,
        session_lifetime_s: float,
        sign_ups_per_address: int,
        attempts: AttemptLog,
    ) -> None:
        self._records = records
        self._events = events
        self._hashing = hashing
        self._session_lifetime_ms = int(session_lifetime_s * 1000)
        self._throttle = SignInThrottle(attempts)
        self._sign_ups = SignUpThrottle(sign_ups_per_address, attempts)
        self._touched: dict[str, int] = {}

    async def sign_up(self, data: AccountCreate, address: str) -> Account:
        email = data.email.strip()
        name = data.display_name.strip()
        if "@" not in email or not 3 <= len(email) <= MAX_FIELD:
            raise InvalidInput("a valid email address is needed")
        if not 0 < len(name) <= MAX_FIELD:
            raise InvalidInput("a display name of 1 to 200 characters is needed")
        check_password(data.password)
        _check_lengths(email, data.password)
        await self._sign_ups.attempt(address)
        row = AccountRow(
            id=str(uuid.uuid4()),
            email=email,
            display_name=name,
            password_hash=await self._hashing.hash(data.password),
        )
        if not await self._records.create_account(row, now_ms()):
            raise Conflict("an account with this email exists")
        return _public(row)

    async def sign_in(
        self, email: str, password: str, address: str, label: str
    ) -> tuple[Account, str]:
        """Check the password; return the account and a new session secret (the cookie)."""
        email = email.strip()
        _check_lengths(email, password)
        await self._throttle.check(email, address)
        row = await self._records.account_by_email(email)
        password_hash = row.password_hash if row else None
        if not await self._hashing.verify(password_hash, password) or row is None:
            await self._throttle.failed(email, address)
            raise Unauthenticated("wrong email or password")
        await self._throttle.succeeded(email)
        return _public(row), await self.start_session(row.id, label)

    async def start_session(self, account_id: str, label: str) -> str:
        """A new session of the account, made on the browser `label` names; its secret."""
        secret = new_secret("sps")
        now = now_ms()
        session = CredentialRow(
            id=str(uuid.uuid4()),
            account_id=account_id,
            kind="session",
            expires_at_ms=now + self._session_lifetime_ms,
        )
        await self._records.create_credential(session, secret_hash(secret), label, now)
        return secret

    async def forget_failed_sign_ins(self, email: str) -> None:
        """The email's failed sign-ins no longer count (its password was just reset)."""
        await self._throttle.succeeded(email)

    async def reauthenticate(self, identity: Identity, password: str, address: str) -> None:
        """The signed-in account's password again, before something irreversible.

        Throttled like sign-in (the same counts, per email and per address); a wrong
        password is Forbidden rather than Unauthenticated: the session itself is fine.
        """
        row = await self._records.account(identity.account_id or "")
        if row is None:
            raise Unauthenticated("the account no longer exists")
        _check_lengths("", password)
        await self._throttle.check(row.email, address)
        if not await self._hashing.verify(row.password_hash, password):
            await self._throttle.failed(row.email, address)
            raise Forbidden("wrong password")
        await self._throttle.succeeded(row.email)

    @property
    def session_lifetime_s(self) -> int:
        """How long a session lasts (and so its cookie)."""
        return self._session_lifetime_ms // 1000

    async def sign_out(self, session_secret: str) -> None:
        session_id = await self._records.end_session(secret_hash(session_secret))
        if session_id is not None:
            self._events.credential_revoked(session_id)

    async def identify(self, secret: str) -> Identity | None:
        """The identity behind a session cookie or device token, if it is live."""
        credential = await self._records.credential(secret_hash(secret), now_ms())
        if credential is None:
            return None
        await self._touch(credential.id)
        return Identity(
            account_id=credential.account_id,
            credential_id=credential.id,
            expires_at_ms=credential.expires_at_ms,
        )

    async def account(self, identity: Identity) -> Account:
        row = await self._records.account(identity.account_id or "")
        if row is None:
            raise Unauthenticated("the account no longer exists")
        return _public(row)

    async def create_token(self, identity: Identity, data: TokenCreate) -> TokenCreated:
        assert identity.account_id is not None  # noqa: S101  (guards ensure it)
        days = data.expires_in_days
        if days is not None and not 0 < days <= MAX_TOKEN_DAYS:
            raise InvalidInput(f"expiresInDays must be between 1 and {MAX_TOKEN_DAYS}")
        if not 0 < len(data.label) <= MAX_FIELD:
            raise InvalidInput("a label of 1 to 200 characters is needed")
        now = now_ms()
        expires = None if days is None else now + days * _DAY_MS
        token = CredentialRow(
            id=str(uuid.uuid4()),
            account_id=identity.account_id,
            kind="token",
            expires_at_ms=expires,
        )
        secret = new_secret("spt")
        await self._records.create_credential(token, secret_hash(secret), data.label, now)
        expires_at = None if expires is None else utc(expires)
        return TokenCreated(id=token.id, token=secret, expires_at=expires_at)

    async def revoke_token(self, identity: Identity, token_id: str) -> None:
        if not await self._records.revoke_token(token_id, identity.account_id or "", now_ms()):
            raise NotFound("no such token")
        self._events.credential_revoked(token_id)

    async def devices(self, identity: Identity) -> list[Device]:
        """The account's live sessions and device tokens; the one asking is `current`."""
        rows = await self._records.devices(identity.account_id or "", now_ms())
        return [_device(row, identity.credential_id) for row in rows]

    async def end_device(self, identity: Identity, credential_id: str) -> None:
        """End one of the account's sessions or tokens; its sockets close at once."""
        if not await self._records.end_device(
            identity.account_id or "", credential_id[:MAX_FIELD], now_ms()
        ):
            raise NotFound("no such device")
        self._touched.pop(credential_id, None)
        self._events.credential_revoked(credential_id)

    async def _touch(self, credential_id: str) -> None:
        now = now_ms()
        if now - self._touched.get(credential_id, 0) < TOUCH_EVERY_MS:
            return
        if len(self._touched) >= _MAX_TOUCHED:
            self._touched.clear()
        self._touched[credential_id] = now
        await self._records.touch_credential(credential_id, now)
