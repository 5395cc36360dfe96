"""Throttling of failed sign-ins, per email and per client address, in memory.

In memory is enough for one process: a restart forgets failures, which costs an attacker a
restart they cannot cause. Successful sign-ins do not clear the per-address count.
"""

import time
from collections import deque

from server.errors import TooManyAttempts

WINDOW_S = 15 * 60
MAX_PER_EMAIL = 5
MAX_PER_ADDRESS = 30
MAX_KEYS = 100_000  # beyond this, keys with no recent failure are forgotten


class SignInThrottle:
    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}

    def check(self, email: str, address: str) -> None:
        now = time.monotonic()
        for key, limit in (
            (f"e:{email.lower()}", MAX_PER_EMAIL),
            (f"a:{address}", MAX_PER_ADDRESS),
        ):
            recent = self._recent(key, now)
            if len(recent) >= limit:
                retry = int(recent[0] + WINDOW_S - now) + 1
                raise TooManyAttempts("too many failed sign-ins; try again later", retry)

    def failed(self, email: str, address: str) -> None:
        now = time.monotonic()
        if len(self._failures) > MAX_KEYS:  # a flood of distinct emails must not grow memory
            for key in [k for k, q in self._failures.items() if not q or q[-1] < now - WINDOW_S]:
                del self._failures[key]
        for key in (f"e:{email.lower()}", f"a:{address}"):
            self._recent(key, now).append(now)

    def succeeded(self, email: str) -> None:
        self._failures.pop(f"e:{email.lower()}", None)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(key, deque())
        while recent and recent[0] < now - WINDOW_S:
            recent.popleft()
        return recent
