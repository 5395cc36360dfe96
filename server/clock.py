"""Time as the server stores it (integer milliseconds since the epoch) and shows it (UTC).

Days are the service's own (`--time-zone`, made a ZoneInfo by `zone`): `local_date` takes
one from a stored time; the push check takes its hour in the same zone.
"""

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError if there is none of that name."""
    try:
        return ZoneInfo(name)
    # ValueError: a path-like name; OSError: a directory ("Europe"), a name too long for a file.
    except (ZoneInfoNotFoundError, ValueError, OSError) as e:
        raise ValueError(f"unknown time zone {name!r} (an IANA name: Europe/London)") from e


def local_date(ms: int, in_zone: ZoneInfo) -> date:
    """The service's calendar day at `ms`."""
    return utc(ms).astimezone(in_zone).date()
