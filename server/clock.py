"""Time as the server stores it (integer milliseconds since the epoch) and shows it (UTC)."""

import time
from datetime import UTC, datetime


def now_ms() -> int:
    return int(time.time() * 1000)


MAX_SECONDS = 253_402_300_799
"""The last second a datetime holds (9999-12-31T23:59:59Z)."""


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def known_time(ms: int) -> datetime | None:
    """A time that may be unknown: 0 (or anything a datetime cannot hold) is None.

    Change times are their authors' claims; a change may carry none (time 0).
    """
    if ms <= 0 or ms > MAX_SECONDS * 1000:
        return None
    return utc(ms)
