"""One contract suite for the throttles' AttemptLog: memory, SQLite and PostgreSQL; and the
database ones shared by every process on the database."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.auth.throttle import MAX_PER_EMAIL, SignInThrottle
from server.database_url import PostgresLocation, SqliteLocation
from server.errors import TooManyAttempts
from server.storage.attempts import AttemptLog, MemoryAttemptLog
from server.storage.backends import Storage, open_storage

MINUTE_MS = 60_000
NOW = 1_800_000_000_000


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def attempts(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AttemptLog]:
    if request.param == "memory":
        yield MemoryAttemptLog()
        return
    storage = await open_storage(
        SqliteLocation(tmp_path / "plans.db")
        if request.param == "sqlite"
        else PostgresLocation(request.getfixturevalue("postgres_url"))
    )
    yield storage.attempts
    await storage.close()


async def test_attempts_are_counted_per_key_within_the_window(attempts: AttemptLog) -> None:
    await attempts.record(["e:sam", "a:10.0.0.1"], NOW, 15 * MINUTE_MS)
    await attempts.record(["e:sam"], NOW + MINUTE_MS, 15 * MINUTE_MS)

    assert await attempts.times("e:sam", NOW) == [NOW, NOW + MINUTE_MS]
    assert await attempts.times("e:sam", NOW + 1) == [NOW + MINUTE_MS]
    assert await attempts.times("a:10.0.0.1", NOW) == [NOW]
    assert await attempts.times("e:kim", 0) == []


async def test_forgetting_a_key_leaves_the_others(attempts: AttemptLog) -> None:
    await attempts.record(["e:sam", "a:10.0.0.1"], NOW, 15 * MINUTE_MS)

    await attempts.forget("e:sam")

    assert await attempts.times("e:sam", 0) == []
    assert await attempts.times("a:10.0.0.1", 0) == [NOW]


async def test_attempts_older_than_their_window_go_as_new_ones_come(attempts: AttemptLog) -> None:
    await attempts.record(["e:sam"], NOW, 15 * MINUTE_MS)
    await attempts.record(["e:sam"], NOW + 20 * MINUTE_MS, 15 * MINUTE_MS)

    assert await attempts.times("e:sam", 0) == [NOW + 20 * MINUTE_MS]


@pytest.fixture(params=["sqlite", "postgres"])
async def two_processes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Storage, Storage]]:
    """The storage of two server processes on one database (two connections, two queues)."""
    location = (
        SqliteLocation(tmp_path / "plans.db")
        if request.param == "sqlite"
        else PostgresLocation(request.getfixturevalue("postgres_url"))
    )
    first = await open_storage(location)
    try:
        second = await open_storage(location)
        try:
            yield first, second
        finally:
            await second.close()
    finally:
        await first.close()


async def test_another_process_or_a_restart_gives_no_fresh_attempts(
    two_processes: tuple[Storage, Storage],
) -> None:
    first, second = two_processes
    on_first, on_second = SignInThrottle(first.attempts), SignInThrottle(second.attempts)
    for _ in range(MAX_PER_EMAIL):
        await on_first.check("sam@example.org", "10.0.0.1")
        await on_first.failed("sam@example.org", "10.0.0.1")

    with pytest.raises(TooManyAttempts) as refused:
        await on_second.check("SAM@example.org", "10.0.0.2")
    assert 0 < refused.value.retry_after_s <= 15 * 60 + 1
    await on_second.succeeded("sam@example.org")
    await on_first.check("sam@example.org", "10.0.0.1")  # a success clears the email's count
