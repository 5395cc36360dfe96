"""`python -m server reset-password EMAIL`: an operator's reset, with no mail server.

Run as a process of its own beside the running server, on the same SQLite file: the
account's sessions and tokens end, and the server refuses them from then on.
"""

import asyncio
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.support.api import PASSWORD, ApiUser
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.accounts
USERS = ("person",)
NEW_PASSWORD = "chosen by the operator"  # noqa: S105 - test accounts only


async def run_command(data_dir: Path, email: str, stdin: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "reset-password",
        email,
        "--data-dir",
        str(data_dir),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    out, err = await process.communicate(stdin.encode())
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def sign_in(server: LiveServer, email: str, password: str) -> int:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.post("/api/session", json={"email": email, "password": password})
        return response.status_code


async def test_the_command_sets_the_password_and_ends_every_session_and_token(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    email = person.account["email"]

    status, out, err = await run_command(server.settings.data_dir, email, NEW_PASSWORD + "\n")

    assert (status, err) == (0, "")
    assert "2 session(s) and device token(s)" in out
    assert NEW_PASSWORD not in out
    assert (await person.call("GET", "/api/me")).status_code == 401
    bearer = {"authorization": f"Bearer {person.token}"}
    assert (await person.call("GET", "/api/me", headers=bearer)).status_code == 401
    assert await sign_in(server, email, PASSWORD) == 401
    assert await sign_in(server, email, NEW_PASSWORD) == 200


async def test_an_unknown_email_or_a_weak_password_changes_nothing(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    data_dir = server.settings.data_dir

    unknown = await run_command(data_dir, "nobody@example.invalid", NEW_PASSWORD + "\n")
    weak = await run_command(data_dir, person.account["email"], "short\n")

    assert unknown[0] == 1
    assert "No account has this email address" in unknown[2]
    assert weak[0] == 1
    assert "the password needs at least 8 characters" in weak[2]
    assert "short" not in weak[1]
    assert (await person.call("GET", "/api/me")).status_code == 200
