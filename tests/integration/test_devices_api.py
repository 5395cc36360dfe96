"""My devices: an account's sessions and device tokens, each of which it can end at once."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.api import PASSWORD, ApiUser
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts
USERS = ("person", "stranger")
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/126.0.0.0 Mobile Safari/537.36"
)


@contextlib.asynccontextmanager
async def phone(server: LiveServer, user: ApiUser) -> AsyncIterator[httpx.AsyncClient]:
    """Another sign-in of the account, from a phone's browser."""
    base = server.base_url
    headers = {"origin": base, "user-agent": PHONE}
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        response = await http.post(
            "/api/session", json={"email": user.account["email"], "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        yield http


async def devices(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await http.get("/api/account/devices")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


async def test_the_list_has_each_session_and_token_with_label_times_and_this_one_marked(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    async with phone(server, person) as http:
        listed = await devices(http)

    by_label = {d["label"]: d for d in listed}
    assert sorted(by_label) == ["Chrome on Android", "a browser", "tests"]
    assert [d["current"] for d in listed].count(True) == 1
    assert by_label["Chrome on Android"]["current"] is True
    assert by_label["Chrome on Android"]["kind"] == "session"
    assert by_label["tests"]["kind"] == "token"
    assert by_label["tests"]["lastUsedAt"] is None  # made, never used yet
    assert all(d["createdAt"] for d in listed)
    assert by_label["a browser"]["lastUsedAt"] is not None  # it made the token
    assert by_label["a browser"]["expiresAt"] is not None
    assert by_label["tests"]["expiresAt"] is None


async def test_using_a_token_notes_when(server: LiveServer, users: dict[str, ApiUser]) -> None:
    person = users["person"]
    bearer = {"authorization": f"Bearer {person.token}"}
    assert (await person.call("GET", "/api/me", headers=bearer)).status_code == 200

    listed = await devices(person.http)

    token = next(d for d in listed if d["kind"] == "token")
    assert token["lastUsedAt"] is not None


async def test_ending_another_device_closes_its_socket_and_refuses_it_after(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    async with phone(server, person) as http:
        cookie = http.cookies["sp_session"]
        headers = {"cookie": f"sp_session={cookie}", "origin": server.base_url}
        socket = await WirePeer.connect(server.url, "phone", headers=headers)
        phone_id = next(d["id"] for d in await devices(http) if d["current"])

        ended = await person.call("DELETE", f"/api/account/devices/{phone_id}")
        code, messages = await socket.closed()
        after = await http.get("/api/me")

    assert ended.status_code == 204
    assert code == 4401
    assert messages[-1]["reason"] == "credential-revoked"
    assert after.status_code == 401
    assert phone_id not in [d["id"] for d in await devices(person.http)]
    assert (await person.call("GET", "/api/me")).status_code == 200  # this one goes on


async def test_ending_a_token_closes_its_socket(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    socket = await WirePeer.connect(person.sync_url(server.url), "script")
    token_id = next(d["id"] for d in await devices(person.http) if d["kind"] == "token")

    ended = await person.call("DELETE", f"/api/account/devices/{token_id}")
    code, _ = await socket.closed()

    assert (ended.status_code, code) == (204, 4401)
    assert [d["kind"] for d in await devices(person.http)] == ["session"]


async def test_only_ones_own_devices_can_be_ended(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, stranger = users["person"], users["stranger"]
    theirs = [d["id"] for d in await devices(stranger.http)]

    attempts = [await person.call("DELETE", f"/api/account/devices/{i}") for i in theirs]
    unknown = await person.call("DELETE", "/api/account/devices/no-such-device")
    async with httpx.AsyncClient(base_url=server.base_url) as anonymous:
        signed_out = await anonymous.get("/api/account/devices")

    assert [a.status_code for a in attempts] == [404, 404]
    assert unknown.status_code == 404
    assert signed_out.status_code == 401
    assert [d["id"] for d in await devices(stranger.http)] == theirs
