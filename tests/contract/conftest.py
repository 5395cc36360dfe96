"""The database adapters of every port, opened the way the server opens them."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.database_url import PostgresLocation, SqliteLocation
from server.storage.backends import Storage, open_storage


@pytest.fixture(params=["sqlite", "postgres"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """Every port's adapter on one fresh database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        opened = await open_storage(SqliteLocation(tmp_path / "plans.db"))
    else:
        opened = await open_storage(PostgresLocation(request.getfixturevalue("postgres_url")))
    yield opened
    await opened.close()
