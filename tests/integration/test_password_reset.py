"""Forgot password: a reset link by real mail (aiosmtpd in the test), used once, in 30 minutes.

Resetting ends every session and device token of the account and closes their sockets; the
answer to asking is the same whether or not an account has the address.
"""

import contextlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from server.auth.recovery import ACCEPTED, NO_MAIL, NOT_VALID
from server.auth.throttle import RESETS_PER_ADDRESS, RESETS_PER_EMAIL
from server.settings import Settings
from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import new_document_id
from tests.support.live_server import LiveServer, live_server
from tests.support.smtp import Inbox, smtp_server
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts
USERS = ("person",)
NEW_PASSWORD = "a new and longer passphrase"  # noqa: S105 - test accounts only
LINK = re.compile(r"(http://\S+/#/reset-password/([A-Za-z0-9_-]+))")


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with smtp_server() as running:
        yield running


def mail_settings(tmp_path: Path, inbox: Inbox) -> Settings:
    return Settings(data_dir=tmp_path, smtp_url=inbox.url, mail_from="plans@example.invalid")


@pytest.fixture
async def server(tmp_path: Path, inbox: Inbox) -> AsyncIterator[LiveServer]:
    """A server that sends mail, with no --public-url: links name the server itself."""
    async with live_server(mail_settings(tmp_path, inbox), open_access=False) as running:
        yield running


@contextlib.asynccontextmanager
async def browser(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """A browser with no session: someone who forgot their password."""
    base = server.base_url
    async with httpx.AsyncClient(base_url=base, headers={"origin": base}) as http:
        yield http


def link_in(message: EmailMessage) -> tuple[str, str]:
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None, body.get_content()
    return found.group(1), found.group(2)


async def ask(server: LiveServer, email: str) -> httpx.Response:
    async with browser(server) as http:
        return await http.post("/api/password-reset", json={"email": email})


async def confirm(server: LiveServer, token: str, password: str) -> httpx.Response:
    async with browser(server) as http:
        response = await http.post(
            "/api/password-reset/confirm", json={"token": token, "password": password}
        )
        if response.status_code == 200:  # the new session works
            me = await http.get("/api/me")
            assert me.status_code == 200, me.text
        return response


async def sign_in(server: LiveServer, email: str, password: str) -> int:
    async with browser(server) as http:
        response = await http.post("/api/session", json={"email": email, "password": password})
        return response.status_code


async def test_the_link_by_mail_sets_the_password_and_ends_every_session_and_token(
    server: LiveServer, users: dict[str, ApiUser], inbox: Inbox
) -> None:
    person = users["person"]
    email = person.account["email"]
    plan = await person.ok(
        "POST",
        "/api/plans",
        201,
        json={"documentId": new_document_id(), "title": "Walk to the river"},
    )
    socket = await WirePeer.connect(person.sync_url(server.url), "phone")

    asked = await ask(server, email)
    message = await inbox.next()
    link, token = link_in(message)
    done = await confirm(server, token, NEW_PASSWORD)
    code, messages = await socket.closed()

    assert (asked.status_code, asked.json()) == (202, {"detail": ACCEPTED})
    assert message["To"] == email
    assert message["From"] == "plans@example.invalid"
    assert link == f"{server.base_url}/#/reset-password/{token}"
    assert len(token) == 43  # 32 random bytes, url-safe base64
    assert plan["title"] not in message.as_string()
    assert (done.status_code, done.json()["id"]) == (200, person.id)
    assert code == 4401
    assert messages[-1]["reason"] == "credential-revoked"
    assert (await person.call("GET", "/api/me")).status_code == 401  # the old session
    bearer = {"authorization": f"Bearer {person.token}"}
    assert (await person.call("GET", "/api/me", headers=bearer)).status_code == 401
    assert await sign_in(server, email, PASSWORD) == 401
    assert await sign_in(server, email, NEW_PASSWORD) == 200


async def test_a_link_works_once(
    server: LiveServer, users: dict[str, ApiUser], inbox: Inbox
) -> None:
    email = users["person"].account["email"]
    await ask(server, email)
    _, token = link_in(await inbox.next())

    first = await confirm(server, token, NEW_PASSWORD)
    again = await confirm(server, token, "yet another passphrase")

    assert first.status_code == 200
    assert (again.status_code, again.json()["detail"]) == (400, NOT_VALID)
    assert await sign_in(server, email, NEW_PASSWORD) == 200


async def test_using_one_link_uses_up_the_accounts_other_links(
    server: LiveServer, users: dict[str, ApiUser], inbox: Inbox
) -> None:
    email = users["person"].account["email"]
    await ask(server, email)
    _, older = link_in(await inbox.next())
    await ask(server, email)
    _, newer = link_in(await inbox.next())

    assert (await confirm(server, newer, NEW_PASSWORD)).status_code == 200
    assert (await confirm(server, older, "yet another passphrase")).status_code == 400


async def test_a_link_older_than_30_minutes_is_refused(
    server: LiveServer, users: dict[str, ApiUser], inbox: Inbox
) -> None:
    email = users["person"].account["email"]
    await ask(server, email)
    _, token = link_in(await inbox.next())
    # The token was made 30 minutes ago and a second: its end is now past.
    with contextlib.closing(sqlite3.connect(server.settings.database_path)) as db, db:
        (expires, created) = db.execute(
            "SELECT expires_at_ms, created_at_ms FROM password_resets"
        ).fetchone()
        db.execute(
            "UPDATE password_resets SET expires_at_ms = ?, created_at_ms = ?",
            (int(time.time() * 1000) - 1000, int(time.time() * 1000) - 1000 - 30 * 60 * 1000),
        )

    expired = await confirm(server, token, NEW_PASSWORD)

    assert expires - created == 30 * 60 * 1000
    assert (expired.status_code, expired.json()["detail"]) == (400, NOT_VALID)
    assert await sign_in(server, email, PASSWORD) == 200


async def test_made_up_tokens_and_weak_passwords_are_refused_clearly(
    server: LiveServer, users: dict[str, ApiUser], inbox: Inbox
) -> None:
    await ask(server, users["person"].account["email"])
    _, token = link_in(await inbox.next())

    short = await confirm(server, token, "short")
    made_up = await confirm(server, "A" * 43, NEW_PASSWORD)
    huge = await confirm(server, "A" * 5000, NEW_PASSWORD)
    async with browser(server) as http:
        missing = await http.post("/api/password-reset/confirm", json={"token": token})

    assert (short.status_code, short.json()["detail"]) == (
        400,
        "the password needs at least 8 characters",
    )
    assert (made_up.status_code, made_up.json()["detail"]) == (400, NOT_VALID)
    assert (huge.status_code, huge.json()["detail"]) == (400, NOT_VALID)
    assert missing.status_code == 400
    assert (await confirm(server, token, NEW_PASSWORD)).status_code == 200  # still unused


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    server: LiveServer, users: dict[str, ApiUser], inbox: Inbox
) -> None:
    """Nor does the answer wait for the lookup or the mail: here the mail server stalls."""
    inbox.gate.clear()
    known = await ask(server, users["person"].account["email"])
    unknown = await ask(server, "nobody@example.invalid")
    other_case = await ask(server, users["person"].account["email"].upper())
    inbox.gate.set()
    first, second = await inbox.next(), await inbox.next()

    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert (known.status_code, known.content) == (other_case.status_code, other_case.content)
    assert known.status_code == 202
    assert first["To"] == second["To"] == users["person"].account["email"]
    assert inbox.received.empty()


async def test_asking_is_throttled_per_address_and_quietly_per_email(
    tmp_path: Path, inbox: Inbox
) -> None:
    async with live_server(mail_settings(tmp_path, inbox), open_access=False) as server:
        person = await ApiUser.sign_up(server.base_url, "person")
        await person.close()
        email = person.account["email"]
        answers = [(await ask(server, email)).status_code for _ in range(RESETS_PER_EMAIL + 1)]
        others = [
            (await ask(server, f"x{n}@example.invalid")).status_code
            for n in range(RESETS_PER_ADDRESS - RESETS_PER_EMAIL - 1)
        ]
        refused = await ask(server, "one-more@example.invalid")
    # The server has stopped: every mail it was going to send is sent.

    assert answers == [202] * (RESETS_PER_EMAIL + 1)
    assert set(others) == {202}
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert inbox.received.qsize() == RESETS_PER_EMAIL


async def test_without_smtp_the_server_says_so_for_any_address(tmp_path: Path) -> None:
    async with live_server(Settings(data_dir=tmp_path), open_access=False) as server:
        person = await ApiUser.sign_up(server.base_url, "person")
        await person.close()
        known = await ask(server, person.account["email"])
        unknown = await ask(server, "nobody@example.invalid")

    assert (known.status_code, known.json()) == (503, {"detail": NO_MAIL})
    assert (unknown.status_code, unknown.content) == (503, known.content)
