"""The port the throttles count attempts through, and its in-memory adapter.

Adapters: MemoryAttemptLog here (one process, forgets on restart), and one per database
(sqlite_attempts.py, postgres_attempts.py), shared by every process on that database so that
trying another process gives no fresh attempts.
"""

import hashlib
from collections import deque
from typing import Protocol

MAX_KEYS = 100_000  # beyond this, keys with no recent attempt are forgotten
# A database adapter deletes every attempt this old, whatever its key's window (the longest
# is an hour).
FORGET_AFTER_MS = 24 * 3600 * 1000


def attempt_key(key: str) -> bytes:
    """What a database keeps of a key: its SHA-256, so no email or address is stored."""
    return hashlib.sha256(key.encode()).digest()


class AttemptLog(Protocol):
    async def times(self, key: str, since_ms: int) -> list[int]:
        """When the key's attempts at or after `since_ms` were made (ms), oldest first."""
        ...

    async def record(self, keys: list[str], at_ms: int, keep_ms: int) -> None:
        """One attempt at `at_ms` under each key. Theirs older than `keep_ms` may go."""
        ...

    async def forget(self, key: str) -> None:
        """Every attempt under the key."""
        ...


class MemoryAttemptLog:
    def __init__(self) -> None:
        self._times: dict[str, deque[int]] = {}
        self._keep_ms: dict[str, int] = {}

    async def times(self, key: str, since_ms: int) -> list[int]:
        return [t for t in self._times.get(key, ()) if t >= since_ms]

    async def record(self, keys: list[str], at_ms: int, keep_ms: int) -> None:
        if len(self._times) > MAX_KEYS:  # a flood of distinct keys must not grow memory
            for old in [k for k, q in self._times.items() if self._stale(k, q, at_ms)]:
                del self._times[old]
                self._keep_ms.pop(old, None)
        for key in keys:
            recent = self._times.setdefault(key, deque())
            while recent and recent[0] < at_ms - keep_ms:
                recent.popleft()
            recent.append(at_ms)
            self._keep_ms[key] = keep_ms

    async def forget(self, key: str) -> None:
        self._times.pop(key, None)
        self._keep_ms.pop(key, None)

    def _stale(self, key: str, times: deque[int], now_ms: int) -> bool:
        return not times or times[-1] < now_ms - self._keep_ms.get(key, 0)
