"""Fixtures for the interop suite: the sync server under test and official Node clients.

The server is started exactly as the contract says
(``python -m server --host 127.0.0.1 --port PORT --data-dir DIR`` from the repo root). It
requires a credential on every WebSocket and HTTP registration of new documents, so every
test makes accounts through the ``api`` fixture (see ``api_client.py``) and connects each
Node client with ``/sync?token=TOKEN`` of its account. The reference automerge-repo server
has no accounts, so it is no longer a valid target for this suite (the former
``INTEROP_SERVER_CMD`` option is gone).

Each client is one ``node js/client.mjs`` process (one automerge-repo ``Repo`` without
storage) driven over JSON lines; see that script for the commands. The Node dependencies
must be installed first: ``npm ci --prefix tests/interop``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import shutil
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from api_client import Api

from tests.support.log_sources import LogSource
from tests.support.server_process import (
    SERVER_EXIT_TIMEOUT,
    ServerHandle,
    free_port,
    wait_process_exit,
)

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parents[1]
CLIENT_SCRIPT = INTEROP_DIR / "js" / "client.mjs"

# Default for the Node-side waits (its own `timeoutMs`), in ms: well below the suite's
# per-test timeouts, so that a stuck wait fails with a message saying what it waited for.
DEFAULT_WAIT_MS = 15_000
# Slack added to every Node-side timeout so that the Node side reports its own, more
# precise timeout message before the Python side gives up on the command.
CALL_SLACK = 5.0
# Socket-level errors the Node WebSocket adapter rethrows while a server is being killed
# or restarted under it; they are a client-library quirk, not a server bug.
TOLERATED_NODE_ERRORS = {"ECONNRESET", "EPIPE"}

log = logging.getLogger("interop")


# --------------------------------------------------------------------------- helpers


class NodeCommandError(AssertionError):
    """A command sent to a Node client failed (the message carries the Node-side error)."""


class NodeClient:
    """One official automerge-repo client in its own Node process (see js/client.mjs)."""

    def __init__(self, name: str, peer_id: str) -> None:
        self.name = name
        self.peer_id = peer_id
        self.proc: asyncio.subprocess.Process | None = None
        self.events: list[dict[str, Any]] = []
        self.stderr: collections.deque[str] = collections.deque(maxlen=300)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._ready: asyncio.Future[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self.proc = await asyncio.create_subprocess_exec(
            "node", str(CLIENT_SCRIPT), self.peer_id,
            cwd=INTEROP_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,  # replies can carry whole documents
        )  # fmt: skip
        self._tasks = [
            asyncio.create_task(self._read_stdout()),
            asyncio.create_task(self._read_stderr()),
        ]
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), timeout=30)
        except TimeoutError:
            raise AssertionError(
                f"node client {self.name} did not start: {self.diagnostics()}"
            ) from None

    async def _read_stdout(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            try:
                msg = json.loads(line)
            except ValueError:
                self.stderr.append(f"[stdout, not JSON] {line.decode(errors='replace').rstrip()}")
                continue
            if "id" in msg:
                fut = self._pending.pop(msg["id"], None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
                continue
            self.events.append(msg)
            log.info("[%s] event %s", self.name, json.dumps(msg)[:500])
            if msg.get("event") == "ready" and self._ready and not self._ready.done():
                self._ready.set_result(None)
        # EOF: the process is gone; fail whatever is still waiting for an answer.
        error = NodeCommandError(f"node client {self.name} exited: {self.diagnostics()}")
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(error)
        self._pending.clear()
        if self._ready and not self._ready.done():
            self._ready.set_exception(error)

    async def _read_stderr(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.stderr.append(line.decode(errors="replace").rstrip())

    def diagnostics(self) -> str:
        rc = self.proc.returncode if self.proc else None
        events = "\n".join(json.dumps(e)[:300] for e in self.events[-20:])
        stderr = "\n".join(list(self.stderr)[-40:])
        return f"returncode={rc}\n--- last events:\n{events}\n--- stderr tail:\n{stderr}"

    async def call(
        self, cmd: str, reply_within: float | None = None, **args: Any
    ) -> dict[str, Any]:
        """Run one command in the Node client and return its result (raise on failure).

        `reply_within` (seconds) defaults to the command's own `timeoutMs` plus some slack.
        """
        proc = self.proc
        assert proc is not None
        assert proc.stdin is not None
        if proc.returncode is not None:
            raise NodeCommandError(f"node client {self.name} is not running: {self.diagnostics()}")
        args.setdefault("timeoutMs", DEFAULT_WAIT_MS)
        self._next_id += 1
        cid = self._next_id
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[cid] = fut
        proc.stdin.write((json.dumps({"id": cid, "cmd": cmd, **args}) + "\n").encode())
        await proc.stdin.drain()
        if reply_within is None:
            reply_within = args["timeoutMs"] / 1000 + CALL_SLACK
        try:
            reply = await asyncio.wait_for(fut, reply_within)
        except TimeoutError:
            self._pending.pop(cid, None)
            raise NodeCommandError(
                f"{self.name}: no reply to {cmd} within {reply_within} s; {self.diagnostics()}"
            ) from None
        if not reply["ok"]:
            raise NodeCommandError(f"{self.name}: {cmd} failed: {reply['error']}")
        result: dict[str, Any] = reply["result"]
        return result

    # Thin wrappers for the commands every test uses.

    async def connect(self, url: str, timeout_ms: int = DEFAULT_WAIT_MS) -> dict[str, Any]:
        return await self.call("connect", url=url, timeoutMs=timeout_ms)

    async def create(self, doc: dict[str, Any]) -> dict[str, Any]:
        return await self.call("create", doc=doc)

    async def find(self, url: str, timeout_ms: int = DEFAULT_WAIT_MS) -> dict[str, Any]:
        """find(); the result has found=False (and `error`) when the client rejected it."""
        return await self.call("find", url=url, timeoutMs=timeout_ms)

    async def change(self, url: str, *ops: dict[str, Any]) -> dict[str, Any]:
        return await self.call("change", url=url, ops=list(ops))

    async def state(self, url: str) -> dict[str, Any]:
        return await self.call("state", url=url)

    async def wait_heads(
        self, url: str, heads: list[str], timeout_ms: int = DEFAULT_WAIT_MS
    ) -> dict[str, Any]:
        return await self.call("waitHeads", url=url, heads=heads, timeoutMs=timeout_ms)

    async def start_writer(self, url: str, section: str, tag: str, every_ms: int) -> None:
        """Add a plan item `{tag}:{n}` to `section` every `every_ms` ms, until stopWriter."""
        await self.call(
            "startWriter",
            url=url,
            path=["sections", section],
            tag=tag,
            every=every_ms,
            asItems=True,
        )

    async def server_ack(self, url: str, timeout_ms: int = DEFAULT_WAIT_MS) -> dict[str, Any]:
        return await self.call("serverAck", url=url, timeoutMs=timeout_ms)

    async def server_messages(
        self, msg_type: str | None = None, document_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Messages the server sent this client (type, documentId, message), oldest first."""
        result = await self.call("serverMessages", type=msg_type, documentId=document_id)
        messages: list[dict[str, Any]] = result["messages"]
        return messages

    async def wait_server_message(
        self,
        msg_type: str,
        document_id: str | None = None,
        count: int = 1,
        timeout_ms: int = DEFAULT_WAIT_MS,
    ) -> list[dict[str, Any]]:
        result = await self.call(
            "waitServerMessage",
            type=msg_type,
            documentId=document_id,
            count=count,
            timeoutMs=timeout_ms,
        )
        messages: list[dict[str, Any]] = result["messages"]
        return messages

    async def wait_close(self, count: int = 1, timeout_ms: int = DEFAULT_WAIT_MS) -> list[Any]:
        """Wait for the `count`-th close of this client's socket; all closes {code, reason}."""
        closes: list[Any] = (await self.call("waitClose", count=count, timeoutMs=timeout_ms))[
            "closes"
        ]
        return closes

    async def mark(self) -> dict[str, int]:
        """Current positions in the logs of server messages and socket closes."""
        result: dict[str, int] = await self.call("mark")
        return result

    async def wait_refusal(
        self, document_id: str, since: dict[str, int], timeout_ms: int = DEFAULT_WAIT_MS
    ) -> dict[str, list[dict[str, Any]]]:
        """Wait until, after `since`, the server refused: `error`, doc-unavailable, or close."""
        result: dict[str, list[dict[str, Any]]] = await self.call(
            "waitRefusal", documentId=document_id, since=since, timeoutMs=timeout_ms
        )
        return result

    async def has_changes(self, url: str, hashes: list[str]) -> dict[str, bool]:
        """For each change hash (hex): is it in this client's copy of the document?"""
        result: dict[str, bool] = (await self.call("hasChanges", url=url, hashes=hashes))["has"]
        return result

    async def barrier(self) -> None:
        """One round trip through the server on this client's connection.

        Asks for a random document and waits for the server's doc-unavailable: whatever the
        server had queued for this connection before that answer has arrived by then.
        """
        url = (await self.call("randomUrl"))["url"]
        result = await self.find(url, timeout_ms=10_000)
        assert not result["found"], f"a random document was found: {result}"
        assert "unavailable" in result["error"], f"barrier find() failed otherwise: {result}"

    def uncaught_errors(self) -> list[dict[str, Any]]:
        """Exceptions that escaped in the Node process, except tolerated socket resets."""
        return [
            e
            for e in self.events
            if e.get("event") in ("uncaught", "unhandledRejection")
            and e.get("code") not in TOLERATED_NODE_ERRORS
        ]

    async def kill(self) -> None:
        """SIGKILL the Node process (a crashed app: nothing is flushed or re-sent)."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self._reap()

    async def close(self) -> None:
        """Shut the Repo down, then make sure the process and its pipes are gone."""
        proc = self.proc
        if proc is None:
            return
        if proc.returncode is None:
            # Failing here means the process is already dying or wedged: _reap handles both.
            with contextlib.suppress(NodeCommandError, OSError, RuntimeError):
                await self.call("shutdown", reply_within=5)
        await self._reap()

    async def _reap(self) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        if await wait_process_exit(proc, 5) is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        # Drain stdout/stderr to EOF so that the transports close before the loop does.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if proc.stdin is not None:
            with contextlib.suppress(OSError, RuntimeError):
                await proc.stdin.wait_closed()


class ClientFactory:
    """Creates Node clients for one test and tears all of them down afterwards."""

    def __init__(self) -> None:
        self.clients: list[NodeClient] = []

    async def new(self, name: str, url: str | None = None) -> NodeClient:
        """A fresh client (new Repo, unique peer id); connected to `url` unless it is None."""
        client = NodeClient(name, f"{name}-{uuid.uuid4().hex[:8]}")
        self.clients.append(client)
        await client.start()
        if url is not None:
            await client.connect(url)
        return client

    async def close_all(self) -> list[str]:
        """Close every client; return descriptions of unexpected Node-side exceptions."""
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)
        problems = []
        for c in self.clients:
            for e in c.uncaught_errors():
                problems.append(f"{c.name}: {e.get('event')}: {e.get('error')}")
        return problems


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def node_ready() -> None:
    """Fail clearly (not with an obscure import error) when Node or the deps are missing."""
    if shutil.which("node") is None:
        pytest.fail("node is not installed; the interop suite needs Node >= 20")
    if not (INTEROP_DIR / "node_modules" / "@automerge" / "automerge-repo").is_dir():
        pytest.fail("Node dependencies missing: run `npm ci --prefix tests/interop`")


@pytest.fixture
def server_database(request: pytest.FixtureRequest) -> str | None:
    """The server's `--database`: None (SQLite in its data dir) unless a module says more.

    A module with `DATABASES = ("sqlite", "postgres")` runs each of its tests on each, the
    PostgreSQL one in a fresh database of a real PostgreSQL server (tests/support/postgres.py).
    """
    if getattr(request, "param", "sqlite") == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    return url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    databases = getattr(metafunc.module, "DATABASES", None)
    if databases and "server_database" in metafunc.fixturenames:
        metafunc.parametrize("server_database", databases, indirect=True)


@pytest_asyncio.fixture
async def server(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    log_sources: list[LogSource],
    node_ready: None,
    server_database: str | None,
) -> AsyncIterator[ServerHandle]:
    """A running server on a free port with its own data dir; clean SIGTERM exit checked.

    A test module's `SERVER_ARGS` (a tuple of command-line arguments) are added to the
    server's command line.
    """
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    handle = ServerHandle(
        free_port(),
        data_dir,
        tmp_path / "server.log",
        args=getattr(request.module, "SERVER_ARGS", ()),
        database_url=server_database,
    )
    log_sources.append(("server log", handle.log_text))
    await handle.start()
    try:
        yield handle
    finally:
        try:
            await handle.teardown()
        finally:
            if handle.running:
                assert handle.proc is not None
                # teardown failed half-way: never leak the process
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(handle.proc.pid, signal.SIGKILL)
                await wait_process_exit(handle.proc, SERVER_EXIT_TIMEOUT)


@pytest_asyncio.fixture
async def api(server: ServerHandle) -> AsyncIterator[Api]:
    """The server's HTTP API (accounts, plans, invites, tokens)."""
    client = Api(server.base_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest_asyncio.fixture
async def clients(log_sources: list[LogSource], node_ready: None) -> AsyncIterator[ClientFactory]:
    factory = ClientFactory()

    def node_logs() -> str:
        return "\n\n".join(
            f"=== {c.name} ({c.peer_id})\n{c.diagnostics()}" for c in factory.clients
        )

    log_sources.append(("node clients", node_logs))
    yield factory
    problems = await factory.close_all()
    assert not problems, "unexpected exceptions in Node clients:\n" + "\n".join(problems)
