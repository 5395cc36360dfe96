"""Accounts, sessions and tokens over real HTTP."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.api import PASSWORD, ApiUser
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials


@pytest.fixture
async def anonymous(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        yield http


async def test_sign_up_then_sign_in_sets_a_protected_session_cookie(
    anonymous: httpx.AsyncClient,
) -> None:
    body = {"email": "sam@example.invalid", "password": PASSWORD, "displayName": "Sam"}

    created = await anonymous.post("/api/accounts", json=body)
    signed_in = await anonymous.post(
        "/api/session", json={"email": "SAM@example.invalid", "password": PASSWORD}
    )
    me = await anonymous.get("/api/me")

    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "email": "sam@example.invalid",
        "displayName": "Sam",
    }
    assert "password" not in created.text
    assert signed_in.status_code == 200
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert me.json()["id"] == created.json()["id"]


async def test_an_email_can_be_taken_only_once(anonymous: httpx.AsyncClient) -> None:
    body = {"email": "kim@example.invalid", "password": PASSWORD, "displayName": "Kim"}
    await anonymous.post("/api/accounts", json=body)

    again = await anonymous.post("/api/accounts", json={**body, "email": "KIM@example.invalid"})

    assert again.status_code == 409
    assert "exists" in again.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "no-at-sign", "password": PASSWORD, "displayName": "X"},
        {"email": "x@example.invalid", "password": "short", "displayName": "X"},
        {"email": "x@example.invalid", "password": PASSWORD, "displayName": ""},
        {"email": "x@example.invalid", "password": PASSWORD},
    ],
)
async def test_invalid_sign_ups_get_400_with_a_reason(
    anonymous: httpx.AsyncClient, body: dict[str, str]
) -> None:
    response = await anonymous.post("/api/accounts", json=body)

    assert response.status_code == 400
    assert response.json()["detail"]


async def test_repeated_wrong_passwords_are_throttled(anonymous: httpx.AsyncClient) -> None:
    body = {"email": "ali@example.invalid", "password": PASSWORD, "displayName": "Ali"}
    await anonymous.post("/api/accounts", json=body)
    wrong = {"email": "ali@example.invalid", "password": "not the password"}

    statuses = [(await anonymous.post("/api/session", json=wrong)).status_code for _ in range(6)]
    right = await anonymous.post("/api/session", json={**wrong, "password": PASSWORD})

    assert statuses == [401] * 5 + [429]
    assert right.status_code == 429
    assert int(right.headers["retry-after"]) > 0


async def test_cookie_requests_that_change_state_need_our_origin(server: LiveServer) -> None:
    user = await ApiUser.sign_up(server.base_url, "pat")

    evil = await user.call(
        "POST", "/api/tokens", json={"label": "x"}, headers={"origin": "http://evil.example"}
    )
    missing = await user.http.post("/api/tokens", json={"label": "x"}, headers={"origin": ""})
    bearer = await user.call(
        "POST",
        "/api/tokens",
        json={"label": "x"},
        headers={"origin": "http://evil.example", "authorization": f"Bearer {user.token}"},
    )

    assert evil.status_code == 403
    assert missing.status_code == 403
    assert bearer.status_code == 201
    await user.close()


async def test_a_revoked_or_unknown_token_is_refused(server: LiveServer) -> None:
    user = await ApiUser.sign_up(server.base_url, "lee")
    token = await user.ok("POST", "/api/tokens", 201, json={"label": "phone", "expiresInDays": 30})
    async with httpx.AsyncClient(base_url=server.base_url) as bare:
        before = await bare.get("/api/me", headers={"authorization": f"Bearer {token['token']}"})
        await user.ok("DELETE", f"/api/tokens/{token['id']}", 204)
        after = await bare.get("/api/me", headers={"authorization": f"Bearer {token['token']}"})
        unknown = await bare.get("/api/me", headers={"authorization": "Bearer spt_nope"})

    assert before.status_code == 200
    assert token["expiresAt"] is not None
    assert after.status_code == 401
    assert unknown.status_code == 401
    await user.close()


async def test_signing_out_ends_the_session(server: LiveServer) -> None:
    user = await ApiUser.sign_up(server.base_url, "jo")

    await user.ok("DELETE", "/api/session", 204)
    me = await user.call("GET", "/api/me")

    assert me.status_code == 401
    await user.close()


async def test_tokens_are_stored_only_as_hashes(server: LiveServer) -> None:
    user = await ApiUser.sign_up(server.base_url, "ray")

    raw = server.settings.database_path.read_bytes()

    assert user.token.encode() not in raw
    assert PASSWORD.encode() not in raw
    await user.close()
