"""The server as a real process (`python -m server`), stoppable and restartable on one port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol


class Account(Protocol):
    def sync_url(self, base_ws_url: str, token: str | None = None) -> str: ...


REPO_ROOT = Path(__file__).resolve().parents[2]

# How long the server may take from spawn to accepting TCP connections, and to exit after
# a signal. Generous because CI machines are small (2 cores) and imports can be slow.
SERVER_START_TIMEOUT = 30.0
SERVER_EXIT_TIMEOUT = 15.0

log = logging.getLogger("server-process")

_LIMIT_THEN_EXEC = (
    "import os, resource, sys; n = int(sys.argv[1]);"
    " resource.setrlimit(resource.RLIMIT_NOFILE, (n, n));"
    " os.execv(sys.executable, [sys.executable, *sys.argv[2:]])"
)


def free_port() -> int:
    """A port that was free a moment ago (the OS picks it; the race is acceptable here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(text: str, lines: int = 80) -> str:
    return "\n".join(text.splitlines()[-lines:])


async def wait_process_exit(proc: asyncio.subprocess.Process, seconds: float) -> int | None:
    """The process's exit code, or None if it is still running after `seconds`."""
    try:
        return await asyncio.wait_for(proc.wait(), seconds)
    except TimeoutError:
        return None


class ServerHandle:
    """The sync server as a subprocess that can be killed and restarted on the same port."""

    def __init__(
        self,
        port: int,
        data_dir: Path,
        log_path: Path,
        *,
        args: tuple[str, ...] = (),
        open_files: int | None = None,
        database_url: str | None = None,
    ) -> None:
        self.port = port
        self.database_url = database_url
        """`--database URL` (a PostgreSQL database); None: SQLite in `data_dir`."""
        self.args = (*args, "--database", database_url) if database_url else args
        self.open_files = open_files
        """`ulimit -n` of the server process (soft and hard), if not inherited."""
        self.data_dir = data_dir
        self.log_path = log_path
        self.url = f"ws://127.0.0.1:{port}/sync"
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        """The HTTP base URL, which is also the server's own Origin."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        """The server's SQLite file (read it with `api_client.stored_changes`)."""
        return self.data_dir / "plans.db"

    @property
    def database(self) -> Path | str:
        """Where the server keeps its data: the SQLite file, or the PostgreSQL URL."""
        return self.database_url or self.db_path

    def sync_url(self, account: Account, token: str | None = None) -> str:
        """The WebSocket URL for a client of `account` (with `token` instead of its own)."""
        return account.sync_url(self.url, token)

    def command(self) -> list[str]:
        # `ulimit -n N` in Python, then exec the server (preexec_fn is unsafe with threads).
        limit = (
            [sys.executable, "-c", _LIMIT_THEN_EXEC, str(self.open_files)]
            if self.open_files
            else [sys.executable]
        )
        return [
            *limit, "-m", "server",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            *self.args,
        ]  # fmt: skip

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    async def start(self) -> None:
        assert not self.running, "server already running"
        self.starts += 1
        cmd = self.command()
        with self.log_path.open("ab") as logf:
            logf.write(f"\n===== start #{self.starts}: {shlex.join(cmd)}\n".encode())
            logf.flush()
            # Own session/process group, so that a kill reaches any worker processes too
            # (a crash takes the whole server down, not just its parent process).
            self.proc = await asyncio.create_subprocess_exec(
                *cmd,
                cwd=REPO_ROOT,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=logf,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                start_new_session=True,
            )
        await self._wait_listening()

    async def _wait_listening(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        last_error: OSError | None = None
        while time.monotonic() < deadline:
            if self.proc.returncode is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode} before listening on "
                    f"port {self.port}; log:\n{tail(self.log_text())}"
                )
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), timeout=1.0
                )
            except (TimeoutError, OSError) as e:
                last_error = e if isinstance(e, OSError) else None
                await asyncio.sleep(0.05)  # poll interval of a condition loop, not a sync sleep
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        await self.kill(signal.SIGKILL)
        raise RuntimeError(
            f"server did not accept connections on port {self.port} within "
            f"{SERVER_START_TIMEOUT} s (last error: {last_error}); log:\n{tail(self.log_text())}"
        )

    async def kill(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` to the server's process group and wait for it to exit; returns its code."""
        proc = self.proc
        assert proc is not None, "server was never started"
        assert proc.returncode is None, "server is not running"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        rc = await wait_process_exit(proc, SERVER_EXIT_TIMEOUT)
        if rc is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await wait_process_exit(proc, SERVER_EXIT_TIMEOUT)
            raise AssertionError(
                f"server did not exit within {SERVER_EXIT_TIMEOUT} s of signal {sig}; "
                f"log:\n{tail(self.log_text())}"
            )
        log.info("server exited with %s after signal %s", rc, sig)
        return rc

    async def restart(self) -> None:
        """Start again on the same port and data dir (the previous process must be gone)."""
        await self.start()

    async def teardown(self) -> None:
        """SIGTERM and require a clean exit (part of the contract)."""
        if not self.running:
            return
        rc = await self.kill(signal.SIGTERM)
        assert rc == 0, f"server exited with {rc} on SIGTERM; log:\n{tail(self.log_text())}"


@contextlib.asynccontextmanager
async def running_server(
    tmp_path: Path, database_url: str | None = None
) -> AsyncIterator[ServerHandle]:
    """A started server on a free port with its data dir in `tmp_path`; a clean SIGTERM exit
    is required at the end (if it is still running). `database_url`: as ServerHandle's."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    handle = ServerHandle(free_port(), data_dir, tmp_path / "server.log", database_url=database_url)
    await handle.start()
    try:
        yield handle
    finally:
        await handle.teardown()
