"""The real server (uvicorn, real sockets, real SQLite file) running inside the test's loop."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
import uvicorn
from litestar import Litestar

from server.app import create_app
from server.runner import uvicorn_config
from server.settings import Settings
from server.sync.hub import SyncHub


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    def __init__(self, settings: Settings, app: Litestar) -> None:
        self.settings = settings
        self.app = app

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.port}/sync"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def hub(self) -> SyncHub:
        hub: SyncHub = self.app.state.hub
        return hub


@asynccontextmanager
async def live_server(settings: Settings, *, open_access: bool = True) -> AsyncIterator[LiveServer]:
    settings = msgspec.structs.replace(settings, port=free_port())
    app = create_app(settings, open_access=open_access)
    server = uvicorn.Server(uvicorn_config(app, settings, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)  # polling a flag uvicorn offers no event for
        yield LiveServer(settings, app)
    finally:
        server.should_exit = True
        await task
