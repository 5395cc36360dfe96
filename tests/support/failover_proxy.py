"""A TCP proxy in front of several server processes, like nginx without sticky sessions.

Each connection goes to the first upstream, in order, that accepts it (`round_robin`: the
order starts one further on each connection, so consecutive requests land on different
processes). A process that went away is skipped; its open connections are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class FailoverProxy:
    def __init__(self, upstream_ports: list[int], *, round_robin: bool = False) -> None:
        self.upstream_ports = upstream_ports
        self.round_robin = round_robin
        self.served: list[int] = []
        """The upstream port of each connection, in order."""
        self._next = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/sync"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        count = len(self.upstream_ports)
        start = self._next % count
        if self.round_robin:
            self._next += 1
        for i in range(count):
            port = self.upstream_ports[(start + i) % count]
            try:
                connection = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            self.served.append(port)
            return connection
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            upstream = await self._upstream()
            if upstream is None:
                writer.close()
                return
            up_reader, up_writer = upstream
            try:
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            finally:
                for w in (writer, up_writer):
                    w.close()
        finally:
            self._tasks.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    # One side ended: end the other at once (a client whose process died sees its socket go).
    writer.close()


@contextlib.asynccontextmanager
async def failover_proxy(
    upstream_ports: list[int], *, round_robin: bool = False
) -> AsyncIterator[FailoverProxy]:
    proxy = FailoverProxy(upstream_ports, round_robin=round_robin)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
