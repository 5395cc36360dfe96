"""A socket's credential holds for the socket's whole life, not only at the upgrade.

Revoking a token, ending a session, deleting the account or reaching the credential's expiry
closes every socket opened with it (`error`, then 4401), whether or not it has joined yet,
and such a socket never receives anything of a plan.
"""

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets

from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import new_document_id, put_note, read_note
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("person",)  # signed up by the `users` fixture

REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")


class Session:
    """A second sign-in of an account: its own cookie, so ending it leaves the user's alone."""

    def __init__(self, server: LiveServer, http: httpx.AsyncClient) -> None:
        self.server = server
        self.http = http

    @property
    def headers(self) -> dict[str, str]:
        cookie = self.http.cookies["sp_session"]
        return {"cookie": f"sp_session={cookie}", "origin": self.server.base_url}

    async def sign_out(self) -> None:
        response = await self.http.delete("/api/session")
        assert response.status_code == 204, response.text


@contextlib.asynccontextmanager
async def signed_in(server: LiveServer, user: ApiUser) -> AsyncIterator[Session]:
    base = server.base_url
    async with httpx.AsyncClient(base_url=base, headers={"origin": base}) as http:
        email = user.account["email"]
        response = await http.post("/api/session", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        yield Session(server, http)


@pytest.fixture
async def session(server: LiveServer, users: dict[str, ApiUser]) -> AsyncIterator[Session]:
    async with signed_in(server, users["person"]) as signed:
        yield signed


async def plan_with_content(server: LiveServer, person: ApiUser) -> str:
    """A plan whose document holds a=1 on the server; its document id."""
    plan = await person.ok(
        "POST",
        "/api/plans",
        201,
        json={"documentId": new_document_id(), "title": "Plan"},
        headers={"authorization": f"Bearer {person.token}"},  # the cookie may be short-lived
    )
    doc_id: str = plan["documentId"]
    owner = await WirePeer.connect(person.sync_url(server.url), "owner")
    put_note(owner.doc(doc_id), "a", "1")
    await owner.sync(doc_id)
    await owner.close()
    return doc_id


async def join_and_request(peer: WirePeer, doc_id: str) -> tuple[int | None, list[dict[str, Any]]]:
    """Join, ask for the document; return the close code and everything received.

    Stops early, with no close code, once the server answers the request: it served it.
    """
    with contextlib.suppress(websockets.ConnectionClosed):
        await peer.send(
            {
                "type": "join",
                "senderId": peer.peer_id,
                "peerMetadata": {"isEphemeral": True},
                "supportedProtocolVersions": ["1"],
            }
        )
        await peer.send(
            {
                "type": "request",
                "senderId": peer.peer_id,
                "targetId": "server",
                "documentId": doc_id,
                "data": REQUEST_PAYLOAD,
            }
        )
    seen: list[dict[str, Any]] = []
    with contextlib.suppress(websockets.ConnectionClosed):
        while not seen or seen[-1].get("documentId") != doc_id:
            seen.append(await peer.recv())
        return None, seen
    close = peer.ws.protocol.close_rcvd
    return close.code if close else None, seen


def _tracked(server: LiveServer) -> int:
    """Sockets whose credential the hub has read (and will close when it is revoked)."""
    return sum(len(c) for c in server.hub._by_credential.values())


_WHY = {
    "credential revoked": "credential-revoked",
    "credential expired": "credential-expired",
    "this account was deleted": "account-deleted",
}


def assert_closed_unauthenticated(
    code: int | None, messages: list[dict[str, Any]], reason: str
) -> None:
    """Closed with 4401 after an `error` saying why, for people and machines (decision 27).

    Before it, only notices naming documents the socket lost (a deleted account's plans).
    """
    assert code == 4401
    assert [m["type"] for m in messages][-1:] == ["error"], messages
    assert all(m.get("reason") == "document-deleted" for m in messages[:-1]), messages
    assert (messages[-1]["message"], messages[-1]["reason"]) == (reason, _WHY[reason])


async def test_a_token_revoked_after_the_upgrade_but_before_join_gets_nothing(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    doc_id = await plan_with_content(server, person)
    token = await person.ok("POST", "/api/tokens", 201, json={"label": "script"})
    # The upgrade authenticates at once: the server reads the token before it reads the
    # revocation request sent after it (one loop, and SQLite answers in order).
    peer = await WirePeer.connect(f"{server.url}?token={token['token']}", "late", join=False)

    await person.ok("DELETE", f"/api/tokens/{token['id']}", 204)
    code, messages = await join_and_request(peer, doc_id)

    assert_closed_unauthenticated(code, messages, "credential revoked")


async def test_a_session_ended_after_the_upgrade_but_before_join_gets_nothing(
    server: LiveServer, users: dict[str, ApiUser], session: Session
) -> None:
    doc_id = await plan_with_content(server, users["person"])
    tracked = _tracked(server)
    peer = await WirePeer.connect(server.url, "late", join=False, headers=session.headers)
    # The upgrade is answered before the server has read the credential: wait until it has
    # (ended before that, the socket is refused as unauthenticated, another test's case).
    async with asyncio.timeout(10):
        while _tracked(server) == tracked:  # noqa: ASYNC110 - the hub has no event for this
            await asyncio.sleep(0.005)

    await session.sign_out()
    code, messages = await join_and_request(peer, doc_id)

    assert_closed_unauthenticated(code, messages, "credential revoked")


async def test_signing_out_closes_the_sessions_joined_sockets(
    server: LiveServer, users: dict[str, ApiUser], session: Session
) -> None:
    doc_id = await plan_with_content(server, users["person"])
    phone = await WirePeer.connect(server.url, "phone", headers=session.headers)
    await phone.receive_until(doc_id, lambda d: read_note(d, "a") == "1", request=True)
    script = await WirePeer.connect(users["person"].sync_url(server.url), "script")

    await session.sign_out()
    code, messages = await phone.closed()
    await script.receive_until(doc_id, lambda d: read_note(d, "a") == "1", request=True)

    assert_closed_unauthenticated(code, messages, "credential revoked")
    await script.close()  # the account's other credentials are untouched


async def test_deleting_the_account_closes_its_sockets_joined_or_not(
    server: LiveServer, users: dict[str, ApiUser], session: Session
) -> None:
    person = users["person"]
    doc_id = await plan_with_content(server, person)
    joined = await WirePeer.connect(person.sync_url(server.url), "joined")
    await joined.receive_until(doc_id, lambda d: read_note(d, "a") == "1", request=True)
    waiting = await WirePeer.connect(server.url, "waiting", join=False, headers=session.headers)

    deleted = await person.call("DELETE", "/api/accounts/me", json={"password": PASSWORD})
    joined_close = await joined.closed()
    waiting_close = await join_and_request(waiting, doc_id)

    assert deleted.status_code == 204
    assert_closed_unauthenticated(*joined_close, "this account was deleted")
    assert_closed_unauthenticated(*waiting_close, "this account was deleted")


@pytest.mark.accounts(session_lifetime_s=2.0)
async def test_a_session_expiring_while_connected_closes_its_socket(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    doc_id = await plan_with_content(server, users["person"])
    async with signed_in(server, users["person"]) as session:
        peer = await WirePeer.connect(server.url, "phone", headers=session.headers)
        await peer.receive_until(doc_id, lambda d: read_note(d, "a") == "1", request=True)

        code, messages = await peer.closed()

    assert_closed_unauthenticated(code, messages, "credential expired")


async def test_a_token_expiring_while_connected_closes_its_socket(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    doc_id = await plan_with_content(server, person)
    token = await person.ok("POST", "/api/tokens", 201, json={"label": "x", "expiresInDays": 1})
    # A token's lifetime is counted in days: bring this one's end to two seconds from now.
    with contextlib.closing(sqlite3.connect(server.settings.database_path)) as db, db:
        db.execute(
            "UPDATE tokens SET expires_at_ms = ? WHERE id = ?",
            (int(time.time() * 1000) + 2000, token["id"]),
        )
    peer = await WirePeer.connect(f"{server.url}?token={token['token']}", "script")
    await peer.receive_until(doc_id, lambda d: read_note(d, "a") == "1", request=True)

    code, messages = await peer.closed()

    assert_closed_unauthenticated(code, messages, "credential expired")
