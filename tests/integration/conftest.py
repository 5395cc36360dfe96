"""A real server per test: uvicorn on a free loopback port, SQLite in the test's tmp dir.

Modules marked `accounts` get a server that requires credentials (the product's default);
the others get open access on loopback, for protocol tests. The marker's keyword arguments
override that server's settings (`@pytest.mark.accounts(session_lifetime_s=1.0)`). A
module's `USERS` names the accounts the `users` fixture signs up. A module with
`DATABASES = ("sqlite", "postgres")` runs each of its tests on each (the PostgreSQL one in a
fresh database of a real PostgreSQL server, tests/support/postgres.py); read what the server
stored with tests/support/stored_rows.py, whichever database it is.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.settings import MIB, Settings
from tests.support.api import ApiUser
from tests.support.live_server import LiveServer, live_server


@pytest.fixture
def server_database(request: pytest.FixtureRequest) -> str | None:
    """The server's `database_url`: None (SQLite in its data dir) unless the module says more."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    databases = getattr(metafunc.module, "DATABASES", None)
    if databases and "server_database" in metafunc.fixturenames:
        metafunc.parametrize("server_database", databases, indirect=True)


@pytest.fixture
def settings(tmp_path: Path, server_database: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=server_database,
        max_message_bytes=1 * MIB,
        messages_per_second=50,
        message_burst=200,
        join_timeout_s=2,
    )


@pytest.fixture
async def server(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> AsyncIterator[LiveServer]:
    accounts = request.node.get_closest_marker("accounts")
    if accounts is None:
        async with live_server(settings) as running:
            yield running
        return
    with_accounts = Settings(
        data_dir=tmp_path, database_url=settings.database_url, **accounts.kwargs
    )
    async with live_server(with_accounts, open_access=False) as running:
        yield running


@pytest.fixture
async def users(
    request: pytest.FixtureRequest, server: LiveServer
) -> AsyncIterator[dict[str, ApiUser]]:
    names: tuple[str, ...] = request.module.USERS
    created = {name: await ApiUser.sign_up(server.base_url, name) for name in names}
    yield created
    for user in created.values():
        await user.close()
