"""HTTP helpers for the interop suite: accounts, plans, invites and tokens over the JSON API.

Every account the tests use is made the way a real user would: ``POST /api/accounts``, log in
(``POST /api/session`` sets the ``sp_session`` cookie), then ``POST /api/tokens`` with that
cookie and the server's own ``Origin`` for a device token. The Node clients connect with
``/sync?token=TOKEN``; every later API call uses ``Authorization: Bearer TOKEN``.

Also here: a read-only look at the server's SQLite file (``{data_dir}/plans.db``), which the
access tests use to prove that a refused change was not stored.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import psycopg

PASSWORD = "correct horse battery staple"  # noqa: S105 (test accounts only)
SESSION_COOKIE = "sp_session"
HTTP_TIMEOUT = 15.0


class ApiError(AssertionError):
    """An API call answered with a status the test did not expect."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class DocumentCreator(Protocol):
    """What `Api.new_plan` needs of a client: the Node client's `create` command."""

    async def create(self, doc: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class Account:
    """One user: their id, credentials, a device token and a logged-in session cookie."""

    id: str
    email: str
    display_name: str
    password: str
    token: str
    token_id: str
    session: str

    def sync_url(self, base_ws_url: str, token: str | None = None) -> str:
        """The WebSocket URL this account's clients connect to (`token` overrides its own)."""
        return f"{base_ws_url}?token={quote(token if token is not None else self.token)}"


class Api:
    """The server's HTTP API, as seen by tests; one shared async client, closed by `aclose`."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url  # also the server's own origin, e.g. http://127.0.0.1:PORT
        # No cookie jar in effect: each call states its credential explicitly, so a session
        # cookie from one login can never ride along with another account's request.
        self.http = httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT)

    async def aclose(self) -> None:
        await self.http.aclose()

    # ------------------------------------------------------------------ plumbing

    async def raw(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        session: str | None = None,
        origin: str | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One request with exactly the given credential (bearer token or session cookie)."""
        headers: dict[str, str] = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if session is not None:
            headers["Cookie"] = f"{SESSION_COOKIE}={session}"
        if origin is not None:
            headers["Origin"] = origin
        try:
            return await self.http.request(method, path, headers=headers, json=json)
        finally:
            self.http.cookies.clear()

    async def call(
        self,
        method: str,
        path: str,
        *,
        expect: Collection[int] = (200, 201, 204),
        **kwargs: Any,
    ) -> Any:
        """`raw`, then the decoded JSON body (None for 204); ApiError on any other status."""
        response = await self.raw(method, path, **kwargs)
        if response.status_code not in expect:
            raise ApiError(method, path, response.status_code, response.text)
        return None if response.status_code == 204 or not response.content else response.json()

    # ------------------------------------------------------------------ accounts

    async def account(self, name: str) -> Account:
        """A new account named `name` (unique e-mail), logged in, with a device token."""
        email = f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.invalid"
        created = await self.call(
            "POST",
            "/api/accounts",
            json={"email": email, "password": PASSWORD, "displayName": name},
            expect=(201,),
        )
        session = await self.login(email, PASSWORD)
        token = await self.call(
            "POST",
            "/api/tokens",
            session=session,
            origin=self.base_url,
            json={"label": f"interop {name}"},
            expect=(201,),
        )
        return Account(
            id=created["id"],
            email=email,
            display_name=name,
            password=PASSWORD,
            token=token["token"],
            token_id=token["id"],
            session=session,
        )

    async def login(self, email: str, password: str) -> str:
        """Log in; return the `sp_session` cookie value the server set."""
        response = await self.raw(
            "POST", "/api/session", json={"email": email, "password": password}
        )
        if response.status_code != 200:
            raise ApiError("POST", "/api/session", response.status_code, response.text)
        session = response.cookies.get(SESSION_COOKIE)
        assert session, f"login set no {SESSION_COOKIE} cookie: {response.headers}"
        return session

    async def new_token(
        self, account: Account, label: str, expires_in_days: float | None = None
    ) -> dict[str, Any]:
        """Another device token for `account`: `{id, token, expiresAt}`."""
        body: dict[str, Any] = {"label": label}
        if expires_in_days is not None:
            body["expiresInDays"] = expires_in_days
        result: dict[str, Any] = await self.call(
            "POST", "/api/tokens", token=account.token, json=body, expect=(201,)
        )
        return result

    async def revoke_token(self, account: Account, token_id: str) -> None:
        await self.call("DELETE", f"/api/tokens/{token_id}", token=account.token, expect=(204,))

    async def me(self, token: str) -> httpx.Response:
        return await self.raw("GET", "/api/me", token=token)

    # ------------------------------------------------------------------ plans

    async def create_plan(
        self, person: Account, document_id: str, title: str = "safety plan"
    ) -> dict[str, Any]:
        """Register `document_id` as a new plan of `person`: `{id, documentId, title, role}`."""
        plan: dict[str, Any] = await self.call(
            "POST",
            "/api/plans",
            token=person.token,
            json={"documentId": document_id, "title": title},
            expect=(201,),
        )
        return plan

    async def new_plan(
        self,
        person: Account,
        client: DocumentCreator,
        doc: dict[str, Any],
        title: str = "safety plan",
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """`client` creates `doc`, then `person` registers it as a plan: (created, plan).

        Until the registration the server answers the client's upload with doc-unavailable;
        afterwards it pushes a sync message to the client, which then uploads.
        """
        created = await client.create(doc)
        plan = await self.create_plan(person, created["documentId"], title)
        assert plan["documentId"] == created["documentId"], plan
        return created, plan

    async def add_document(
        self, account: Account, plan_id: str, document_id: str, audience: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST",
            f"/api/plans/{plan_id}/documents",
            token=account.token,
            json={"documentId": document_id, "audience": audience},
            expect=(201,),
        )
        return result

    async def invite(self, person: Account, plan_id: str, role: str) -> dict[str, Any]:
        """A new invite code: `{code, role, expiresAt}`."""
        result: dict[str, Any] = await self.call(
            "POST",
            f"/api/plans/{plan_id}/invites",
            token=person.token,
            json={"role": role},
            expect=(201,),
        )
        return result

    async def accept(self, account: Account, code: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", f"/api/invites/{code}/accept", token=account.token, expect=(200,)
        )
        return result

    async def grant(
        self, person: Account, plan_id: str, member: Account, role: str = "carer"
    ) -> dict[str, Any]:
        """Invite `member` into the plan with `role`, and accept as `member`."""
        invite = await self.invite(person, plan_id, role)
        accepted = await self.accept(member, invite["code"])
        assert accepted == {"planId": plan_id, "role": role}, accepted
        return accepted

    async def remove_member(self, person: Account, plan_id: str, user_id: str) -> None:
        await self.call(
            "DELETE", f"/api/plans/{plan_id}/members/{user_id}", token=person.token, expect=(204,)
        )

    async def plans(self, account: Account) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call("GET", "/api/plans", token=account.token)
        return result

    async def members(self, account: Account, plan_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", f"/api/plans/{plan_id}/members", token=account.token
        )
        return result

    async def contributors(self, account: Account, plan_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "GET", f"/api/plans/{plan_id}/contributors", token=account.token
        )
        return result

    async def changes(self, account: Account, plan_id: str) -> list[dict[str, Any]]:
        """`GET /api/plans/{id}/changes`: every stored change of the plan's documents."""
        result: list[dict[str, Any]] = await self.call(
            "GET", f"/api/plans/{plan_id}/changes", token=account.token
        )
        return result


# --------------------------------------------------------------------------- storage


def stored_changes(database: Path | str, doc_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of the server's `changes` table (hash and actor as hex).

    `database`: the server's SQLite file (opened read-only) or its PostgreSQL URL. Only
    committed transactions are visible, which is what "stored" means: the server
    acknowledges a change only after its commit.
    """
    query = "SELECT doc_id, hash, actor, seq, account_id FROM changes"
    params: tuple[str, ...] = ()
    if doc_id is not None:
        query += " WHERE doc_id = ?"
        params = (doc_id,)
    rows = [
        dict(zip(("doc_id", "hash", "actor", "seq", "account_id"), r, strict=True))
        for r in _select(database, query + " ORDER BY log_id", params)
    ]
    return [{**r, "hash": bytes(r["hash"]).hex(), "actor": bytes(r["actor"]).hex()} for r in rows]


def _select(database: Path | str, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    if isinstance(database, str):
        with psycopg.connect(database) as pg:
            return pg.execute(query.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]
    if not database.exists():
        return []
    uri = f"{database.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        return [tuple(r) for r in db.execute(query, params).fetchall()]


def update(database: Path | str, query: str, params: tuple[Any, ...]) -> int:
    """Change the stopped server's data (`?` parameters); how many rows changed."""
    if isinstance(database, str):
        with psycopg.connect(database) as pg:
            return pg.execute(query.replace("?", "%s"), params).rowcount  # type: ignore[arg-type]
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        return db.execute(query, params).rowcount
