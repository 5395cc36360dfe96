"""Browser tests: the built PWA in Debian's Chromium (Playwright, executable_path), served by
the real server process on a free port with its own SQLite file, or, for the tests
marked `ON_BOTH_DATABASES` (flows.py), also with a fresh PostgreSQL database.

Playwright cannot download browsers here, so `CHROMIUM` (default /usr/bin/chromium) must
exist (`.ci/run` installs Debian's `chromium`). The client must be built (`scripts/setup`
does it). Each test gets a fresh server and a fresh browser; each "phone" is a browser
context (its own cookies, IndexedDB and service worker).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from tests.e2e.phone import Phone
from tests.support.log_sources import LogSource
from tests.support.server_process import REPO_ROOT, ServerHandle, running_server

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CLIENT_DIST = REPO_ROOT / "client" / "dist"
# The probe's flags: without the background-networking ones, Chromium keeps dialling
# Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="session", autouse=True)
def prerequisites() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    if not (CLIENT_DIST / "index.html").exists():
        pytest.fail("client/dist is missing: build the client with scripts/setup")


@pytest.fixture
def server_database(request: pytest.FixtureRequest) -> str | None:
    """The server's `--database`: None (SQLite in its data dir) unless parametrised."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest_asyncio.fixture
async def server(
    tmp_path: Path, server_database: str | None, log_sources: list[LogSource]
) -> AsyncIterator[ServerHandle]:
    async with running_server(tmp_path, server_database) as handle:
        log_sources.append(("server log", handle.log_text))
        yield handle


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


PhoneFactory = Callable[[str], Awaitable[Phone]]


@pytest_asyncio.fixture
async def phone(
    browser: Browser, server: ServerHandle, log_sources: list[LogSource]
) -> AsyncIterator[PhoneFactory]:
    """Makes a phone-sized browser context with a person's name (`await phone("Pat")`)."""
    phones: list[Phone] = []

    async def make(name: str) -> Phone:
        context = await browser.new_context(
            viewport={"width": 390, "height": 844}, base_url=server.base_url
        )
        made = Phone(name, f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.org", context)
        log_sources.append((f"{name}'s console", lambda: "\n".join(made.console)))
        await made.open()
        phones.append(made)
        return made

    yield make
    problems = [p for phone in phones for p in phone.page_errors]
    for made in phones:
        await made.context.close()
    assert not problems, "errors in the page:\n" + "\n".join(problems)
