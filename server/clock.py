"""Time as the server stores it (integer milliseconds since the epoch) and shows it (UTC)."""

import time
from datetime import UTC, datetime


def now_ms() -> int:
    return int(time.time() * 1000)


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
