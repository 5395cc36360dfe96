"""Faults: a full disk, a dead disk, a data dir the server cannot use.

A full disk is SQLite's own: `PRAGMA max_page_count` on the server's writer connection (set
through the database's public `write`), which fails a growing write with SQLITE_FULL exactly
as a full file system does. A dead disk is the database, its WAL and its shared-memory
index overwritten in place with 0xff while the server runs (a disk returning garbage):
every read and write then fails inside SQLite ("file is not a database"). Neither needs
root or a special file system.
"""

import asyncio
import base64
import logging
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from automerge.core import Message, SyncState

from server.settings import Settings
from server.storage.sqlite import SqliteDatabase
from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import add_items
from tests.support.full_disk import limit_growth
from tests.support.live_server import LiveServer, live_server
from tests.support.plan_circle import create_plan, new_plan_document, register, sections
from tests.support.server_process import (
    REPO_ROOT,
    SERVER_START_TIMEOUT,
    ServerHandle,
    free_port,
)
from tests.support.wire_peer import WirePeer

FULL = "database or disk is full"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(Settings(data_dir=tmp_path), open_access=False) as running:
        yield running


async def upload_until_closed(peer: WirePeer, doc_id: str) -> tuple[int | None, list[str]]:
    """Offer a 200 KB document; return the close code and the `error` messages received."""
    doc = new_plan_document("person")
    add_items(doc, sections("person")[0], [base64.b64encode(os.urandom(1500)).decode()] * 100)
    peer.docs[doc_id], peer.states[doc_id] = doc, SyncState()
    await peer.sync_once(doc_id)  # our heads: the server asks for the changes
    reply = await peer.recv_for(doc_id)
    doc.receive_sync_message(peer.states[doc_id], Message.decode(reply["data"]))
    await peer.sync_once(doc_id)  # the whole document
    code, said = await peer.closed()
    return code, [m["message"] for m in said if m["type"] == "error"]


async def test_a_full_disk_is_named_clients_are_told_once_and_newcomers_back_off(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    user = await ApiUser.sign_up(server.base_url, "sam")
    plan = await create_plan(user)
    doc_id = await register(user, plan["id"], "person")
    database: SqliteDatabase = server.app.state.storage
    await limit_growth(database, 2)
    caplog.set_level(logging.INFO)

    peer = await WirePeer.connect(user.sync_url(server.url))
    code, errors = await upload_until_closed(peer, doc_id)
    newcomer = await WirePeer.connect(user.sync_url(server.url), join=False)
    newcomer_code, newcomer_said = await newcomer.closed()

    assert code == 1011
    assert len(errors) == 1
    assert FULL in errors[0]
    assert newcomer_code == 1011
    assert FULL in newcomer_said[0]["message"]
    ours = [r for r in caplog.records if r.name.startswith("server")]
    assert [r.getMessage() for r in ours if r.levelno >= logging.ERROR] == [
        f"storage failed: the database could not be written: {FULL}"
    ]
    assert not [r for r in ours if r.exc_info], "no tracebacks for a full disk"
    assert "no transaction is active" not in caplog.text

    await limit_growth(database, None)  # space again: the next commit clears the failure
    again = await WirePeer.connect(user.sync_url(server.url))
    await again.close()
    await user.close()


def kill_disk(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path = db_path.with_name(db_path.name + suffix)
        if path.exists():
            with path.open("r+b") as f:
                f.write(b"\xff" * path.stat().st_size)


async def test_a_dead_disk_fails_health_sign_up_with_503_and_sockets_with_1011(
    tmp_path: Path,
) -> None:
    handle = ServerHandle(free_port(), tmp_path / "data", tmp_path / "server.log")
    await handle.start()
    user = await ApiUser.sign_up(handle.base_url, "sam")
    logged_before = len(handle.log_text())

    kill_disk(handle.db_path)
    async with httpx.AsyncClient(base_url=handle.base_url) as http:
        health = await http.get("/api/health")
        sign_up = await http.post(
            "/api/accounts",
            json={"email": "new@example.invalid", "password": PASSWORD, "displayName": "New"},
        )
    peer = await WirePeer.connect(user.sync_url(handle.url), join=False)
    code, said = await peer.closed()
    await user.close()
    await handle.kill()
    log = handle.log_text()[logged_before:]

    assert health.status_code == 503
    assert "file is not a database" in health.json()["storage"]
    assert sign_up.status_code == 503
    assert "file is not a database" in sign_up.json()["detail"]
    assert sign_up.headers["retry-after"] == "30"
    assert code == 1011
    assert "file is not a database" in said[0]["message"]
    assert "Traceback" not in log, log


def unprivileged() -> list[str]:
    """The command prefix under which file permissions bind: as root, without the
    capabilities that override them (util-linux setpriv, in every Debian)."""
    if os.geteuid() != 0:
        return [sys.executable]
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot bind")
    drop = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, "--bounding-set", drop, sys.executable]


async def start_server(prefix: list[str], data_dir: Path) -> tuple[int, list[str]]:
    """Run `python -m server` until it exits (it must); its exit code and output lines."""
    proc = await asyncio.create_subprocess_exec(
        *prefix, "-m", "server", "--port", str(free_port()), "--data-dir", str(data_dir),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    async with asyncio.timeout(SERVER_START_TIMEOUT):
        output, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, output.decode().strip().splitlines()


async def test_a_data_dir_that_cannot_be_created_stops_the_start_with_one_line(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    code, lines = await start_server([sys.executable], blocker / "data")

    assert code != 0
    assert len(lines) == 1, lines
    assert "cannot start: cannot open the database" in lines[0]
    assert "Not a directory" in lines[0]


@pytest.mark.parametrize("existing", [False, True], ids=["empty", "with-database"])
async def test_a_read_only_data_dir_stops_the_start_with_one_line(
    tmp_path: Path, existing: bool
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if existing:
        database = await SqliteDatabase.open(data_dir / "plans.db")
        await database.close()
    for path in [data_dir, *data_dir.iterdir()]:
        path.chmod(0o555 if path.is_dir() else 0o444)

    code, lines = await start_server(unprivileged(), data_dir)
    data_dir.chmod(0o755)  # pytest removes it later

    assert code != 0
    assert len(lines) == 1, lines
    assert "cannot start: cannot " in lines[0]
