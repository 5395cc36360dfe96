"""Throttling: failed sign-ins per email and per client address, sign-ups per address.

Attempts are counted through an AttemptLog (server/storage/attempts.py): in the database, so
every server process on it sees the same counts (another process gives no fresh attempts),
or in memory. Successful sign-ins do not clear the per-address count. Times are wall-clock
milliseconds: processes share no monotonic clock.
"""

import string

from server.clock import now_ms
from server.errors import TooManyAttempts
from server.storage.attempts import AttemptLog

WINDOW_S = 15 * 60
MAX_PER_EMAIL = 5
MAX_PER_ADDRESS = 30
SIGN_UP_WINDOW_S = 60 * 60

_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def email_key(email: str) -> str:
    """The email as account lookups match it: stripped, ASCII letters folded to lower case.

    That is SQLite's NOCASE (accounts.email) after the service's strip(), exactly: two
    spellings share a throttle count if and only if they reach the same account.
    """
    return email.strip().translate(_ASCII_FOLD)


class _Window:
    """Attempts per key within a sliding window, counted in an AttemptLog."""

    def __init__(self, attempts: AttemptLog, window_s: float) -> None:
        self._attempts = attempts
        self._window_ms = int(window_s * 1000)

    async def refuse_beyond(self, key: str, limit: int, now: int, message: str) -> None:
        recent = await self._attempts.times(key, now - self._window_ms)
        if len(recent) >= limit:
            retry_ms = recent[-limit] + self._window_ms - now
            raise TooManyAttempts(message, max(retry_ms, 0) // 1000 + 1)

    async def count(self, key: str, now: int) -> int:
        return len(await self._attempts.times(key, now - self._window_ms))

    async def record(self, keys: list[str], now: int) -> None:
        await self._attempts.record(keys, now, self._window_ms)

    async def forget(self, key: str) -> None:
        await self._attempts.forget(key)


class SignInThrottle:
    def __init__(self, attempts: AttemptLog) -> None:
        self._failures = _Window(attempts, WINDOW_S)

    async def check(self, email: str, address: str) -> None:
        now = now_ms()
        message = "too many failed sign-ins; try again later"
        await self._failures.refuse_beyond(f"e:{email_key(email)}", MAX_PER_EMAIL, now, message)
        await self._failures.refuse_beyond(f"a:{address}", MAX_PER_ADDRESS, now, message)

    async def failed(self, email: str, address: str) -> None:
        await self._failures.record([f"e:{email_key(email)}", f"a:{address}"], now_ms())

    async def succeeded(self, email: str) -> None:
        await self._failures.forget(f"e:{email_key(email)}")


class SignUpThrottle:
    """At most `per_address` sign-up attempts per client address an hour, whatever they give.

    Each attempt costs a password hash and says whether an email has an account (409), so
    every attempt that reaches that point counts, not only the failed ones.
    """

    def __init__(self, per_address: int, attempts: AttemptLog) -> None:
        self._per_address = per_address
        self._attempts = _Window(attempts, SIGN_UP_WINDOW_S)

    async def attempt(self, address: str) -> None:
        now = now_ms()
        message = "too many sign-ups from this address; try again later"
        key = f"u:{address}"  # not "a:": sign-ups and failed sign-ins are counted apart
        await self._attempts.refuse_beyond(key, self._per_address, now, message)
        await self._attempts.record([key], now)


RESET_WINDOW_S = 60 * 60
RESETS_PER_EMAIL = 3
RESETS_PER_ADDRESS = 20


class ResetThrottle:
    """Password-reset requests: per client address (429 beyond) and per email (silent).

    Beyond an email's limit nothing more is sent to it, yet the answer stays the same as
    for any address: a 429 there would say nothing of the account, but the same answer is
    simpler to keep true, and nobody can fill someone's inbox with reset mail.
    """

    def __init__(self, attempts: AttemptLog) -> None:
        self._window = _Window(attempts, RESET_WINDOW_S)

    async def attempt(self, email: str, address: str) -> bool:
        """Count a request; False if the email has had its share (send nothing)."""
        now = now_ms()
        by_address, by_email = f"ra:{address}", f"re:{email_key(email)}"
        message = "too many password-reset requests from this address; try again later"
        await self._window.refuse_beyond(by_address, RESETS_PER_ADDRESS, now, message)
        allowed = await self._window.count(by_email, now) < RESETS_PER_EMAIL
        await self._window.record([by_address, by_email], now)
        return allowed
