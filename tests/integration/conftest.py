"""A real server per test: uvicorn on a free loopback port, SQLite in the test's tmp dir."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.settings import MIB, Settings
from tests.support.live_server import LiveServer, live_server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        max_message_bytes=1 * MIB,
        messages_per_second=50,
        message_burst=200,
        join_timeout_s=2,
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(settings) as running:
        yield running
