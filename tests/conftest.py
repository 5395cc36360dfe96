"""Fixtures shared by every test layer.

A test that leaves a worker thread running (an aiosqlite connection never closed, say,
because the test failed before its `close()`) would keep the interpreter from exiting, so
a failing run would hang CI instead of reporting. Each test is checked for such threads,
and at the very end any that remain are named and the process exits with the run's status.
"""

import os
import sys
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import thread as executor_thread
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.log_sources import LOG_SOURCES, LogSource  # noqa: E402 (needs the path)

if TYPE_CHECKING:
    from tests.support.postgres import PostgresServer

# How long a thread asked to stop may take to end before it counts as left running.
THREAD_GRACE_SECONDS = 2.0


def _blocking_threads() -> set[threading.Thread]:
    """Live non-daemon threads that interpreter exit would wait for, for ever.

    Executor workers are left out: `concurrent.futures` stops and joins them at exit.
    """
    return {
        t
        for t in threading.enumerate()
        if t is not threading.main_thread()
        and not t.daemon
        and getattr(t, "_target", None) is not executor_thread._worker
    }


def _still_running(threads: set[threading.Thread]) -> list[threading.Thread]:
    for t in threads:
        t.join(THREAD_GRACE_SECONDS / max(len(threads), 1))
    return sorted((t for t in threads if t.is_alive()), key=lambda t: t.name)


@pytest.fixture(autouse=True)
def _no_thread_left_running() -> Iterator[None]:
    before = _blocking_threads()
    yield
    left = _still_running(_blocking_threads() - before)
    assert not left, f"the test left threads running (an unclosed connection?): {left}"


_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    left = _still_running(_blocking_threads())
    if left:
        status = _status[-1] if _status and _status[-1] else 1
        sys.stderr.write(f"\nthreads still running at exit, exiting with {status}: {left}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(status)


@pytest.fixture(scope="session")
def postgres() -> Iterator["PostgresServer"]:
    """A real PostgreSQL server for the whole session, started on first use.

    A machine without PostgreSQL fails the tests that need it, with how to install it: the
    PostgreSQL adapters are part of the product, so their tests are never skipped.
    """
    from tests.support.postgres import PostgresMissing, postgres_server

    try:
        started = postgres_server()
        server = started.__enter__()
    except PostgresMissing as e:
        pytest.fail(str(e))
    try:
        yield server
    finally:
        started.__exit__(None, None, None)


@pytest.fixture
def postgres_url(postgres: "PostgresServer") -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of this test's own."""
    with postgres.database() as url:
        yield url


@pytest.fixture
def log_sources(request: pytest.FixtureRequest) -> list[LogSource]:
    """Logs to attach to the test report if the test fails (see pytest_runtest_makereport)."""
    sources: list[LogSource] = []
    request.node.stash[LOG_SOURCES] = sources
    return sources


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for name, read in item.stash.get(LOG_SOURCES, []):
            lines = read().splitlines()[-150:]
            report.sections.append((f"{name} ({report.when})", "\n".join(lines)))
    return report
