"""Throttling in memory: failed sign-ins per email and per client address, sign-ups per address.

In memory is enough for one process: a restart forgets attempts, which costs an attacker a
restart they cannot cause. Successful sign-ins do not clear the per-address count.
"""

import string
import time
from collections import deque

from server.errors import TooManyAttempts

WINDOW_S = 15 * 60
MAX_PER_EMAIL = 5
MAX_PER_ADDRESS = 30
SIGN_UP_WINDOW_S = 60 * 60
MAX_KEYS = 100_000  # beyond this, keys with no recent attempt are forgotten

_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def email_key(email: str) -> str:
    """The email as account lookups match it: stripped, ASCII letters folded to lower case.

    That is SQLite's NOCASE (accounts.email) after the service's strip(), exactly: two
    spellings share a throttle count if and only if they reach the same account.
    """
    return email.strip().translate(_ASCII_FOLD)


class _Attempts:
    """Times of recent attempts per key, within a sliding window."""

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._times: dict[str, deque[float]] = {}

    def refuse_beyond(self, key: str, limit: int, now: float, message: str) -> None:
        recent = self.recent(key, now)
        if len(recent) >= limit:
            retry = int(recent[0] + self._window_s - now) + 1
            raise TooManyAttempts(message, retry)

    def record(self, key: str, now: float) -> None:
        if len(self._times) > MAX_KEYS:  # a flood of distinct keys must not grow memory
            stale = now - self._window_s
            for old in [k for k, q in self._times.items() if not q or q[-1] < stale]:
                del self._times[old]
        self.recent(key, now).append(now)

    def forget(self, key: str) -> None:
        self._times.pop(key, None)

    def recent(self, key: str, now: float) -> deque[float]:
        recent = self._times.setdefault(key, deque())
        while recent and recent[0] < now - self._window_s:
            recent.popleft()
        return recent


class SignInThrottle:
    def __init__(self) -> None:
        self._failures = _Attempts(WINDOW_S)

    def check(self, email: str, address: str) -> None:
        now = time.monotonic()
        message = "too many failed sign-ins; try again later"
        self._failures.refuse_beyond(f"e:{email_key(email)}", MAX_PER_EMAIL, now, message)
        self._failures.refuse_beyond(f"a:{address}", MAX_PER_ADDRESS, now, message)

    def failed(self, email: str, address: str) -> None:
        now = time.monotonic()
        self._failures.record(f"e:{email_key(email)}", now)
        self._failures.record(f"a:{address}", now)

    def succeeded(self, email: str) -> None:
        self._failures.forget(f"e:{email_key(email)}")


class SignUpThrottle:
    """At most `per_address` sign-up attempts per client address an hour, whatever they give.

    Each attempt costs a password hash and says whether an email has an account (409), so
    every attempt that reaches that point counts, not only the failed ones.
    """

    def __init__(self, per_address: int) -> None:
        self._per_address = per_address
        self._attempts = _Attempts(SIGN_UP_WINDOW_S)

    def attempt(self, address: str) -> None:
        now = time.monotonic()
        message = "too many sign-ups from this address; try again later"
        self._attempts.refuse_beyond(address, self._per_address, now, message)
        self._attempts.record(address, now)
