"""A signed-in user of the HTTP API, over real HTTP (httpx)."""

import uuid
from typing import Any

import httpx

PASSWORD = "correct horse battery"  # noqa: S105  (test accounts only)


class ApiUser:
    def __init__(self, http: httpx.AsyncClient, account: dict[str, Any], token: str) -> None:
        self.http = http
        self.account = account
        self.token = token

    @property
    def id(self) -> str:
        return str(self.account["id"])

    @classmethod
    async def sign_up(cls, base_url: str, name: str) -> "ApiUser":
        http = httpx.AsyncClient(base_url=base_url, headers={"origin": base_url})
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.invalid"
        created = await http.post(
            "/api/accounts", json={"email": email, "password": PASSWORD, "displayName": name}
        )
        assert created.status_code == 201, created.text
        signed_in = await http.post("/api/session", json={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        token = await http.post("/api/tokens", json={"label": "tests"})
        assert token.status_code == 201, token.text
        return cls(http, created.json(), token.json()["token"])

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, **kwargs)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == status, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    def sync_url(self, server_url: str) -> str:
        return f"{server_url}?token={self.token}"

    async def close(self) -> None:
        await self.http.aclose()
