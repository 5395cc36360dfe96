"""Sign-up and sign-in under hostile or hurried clients: bounded hashing, throttles, caps.

Password hashing (argon2id, 64 MiB and a few hundred ms each here) runs on two threads of
its own with a bounded line of waiting requests; sign-ups are throttled per client address;
failed sign-ins per email as lookups match it; over-long passwords are refused unhashed.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import new_document_id
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("person",)  # signed up by the `users` fixture (when a test asks for it)


@pytest.fixture
async def anonymous(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    # Twenty hashes take seconds on two threads: the last of a burst waits that long.
    async with httpx.AsyncClient(base_url=server.base_url, timeout=20) as http:
        yield http


def sign_up_body(name: str) -> dict[str, str]:
    return {"email": f"{name}@example.invalid", "password": PASSWORD, "displayName": name}


@pytest.mark.accounts(password_hash_queue=20, sign_ups_per_address=100)
async def test_a_burst_of_sign_ups_does_not_hold_up_the_review_digest(
    server: LiveServer, users: dict[str, ApiUser], anonymous: httpx.AsyncClient
) -> None:
    person = users["person"]
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    finished: list[str] = []

    async def sign_up(i: int) -> int:
        response = await anonymous.post("/api/accounts", json=sign_up_body(f"burst-{i}"))
        finished.append("sign-up")
        return response.status_code

    burst = [asyncio.create_task(sign_up(i)) for i in range(20)]
    # The first answer means every request of the burst is in the server's hands: all were
    # sent at once, and each waits for a hash that takes far longer than reading it.
    await asyncio.wait(burst, return_when=asyncio.FIRST_COMPLETED)
    digest = await person.call("GET", f"/api/plans/{plan['id']}/digest")
    finished.append("digest")
    statuses = await asyncio.gather(*burst)

    assert digest.status_code == 200, digest.text
    # The digest's work runs on the default executor: it must not wait behind the hashes.
    assert finished.index("digest") <= 5, finished
    assert statuses == [201] * 20


@pytest.mark.accounts(password_hash_queue=0, sign_ups_per_address=100)
async def test_sign_ups_beyond_the_hashing_line_get_503_with_a_reason(
    anonymous: httpx.AsyncClient,
) -> None:
    burst = [anonymous.post("/api/accounts", json=sign_up_body(f"line-{i}")) for i in range(8)]

    responses = await asyncio.gather(*burst)
    later = await anonymous.post("/api/accounts", json=sign_up_body("after-the-burst"))

    statuses = sorted(r.status_code for r in responses)
    refused = [r for r in responses if r.status_code == 503]
    assert statuses[:2] == [201, 201]  # two hash at once, none waits: the rest are refused
    assert set(statuses) == {201, 503}
    assert all(r.headers["retry-after"] == "1" for r in refused)
    assert all("try again" in r.json()["detail"] for r in refused)
    assert later.status_code == 201


@pytest.mark.accounts(sign_ups_per_address=3)
async def test_sign_ups_are_throttled_per_client_address(
    server: LiveServer, anonymous: httpx.AsyncClient
) -> None:
    first = [
        (await anonymous.post("/api/accounts", json=sign_up_body(name))).status_code
        for name in ("a1", "a2", "a1")  # a taken email counts too: it says the email exists
    ]
    invalid = await anonymous.post("/api/accounts", json={**sign_up_body("a3"), "password": "x"})
    fourth = await anonymous.post("/api/accounts", json=sign_up_body("a4"))
    # Another client address (all of 127.0.0.0/8 is this machine) has its own count.
    elsewhere = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=server.base_url, transport=elsewhere) as other:
        other_address = await other.post("/api/accounts", json=sign_up_body("b1"))

    assert first == [201, 201, 409]
    assert invalid.status_code == 400  # refused before it costs anything: not counted
    assert fourth.status_code == 429
    assert int(fourth.headers["retry-after"]) > 0
    assert "sign-ups" in fourth.json()["detail"]
    assert other_address.status_code == 201


async def test_failed_sign_ins_count_per_email_however_it_is_spelled(
    anonymous: httpx.AsyncClient,
) -> None:
    await anonymous.post("/api/accounts", json=sign_up_body("ali"))
    spellings = [
        "ali@example.invalid",
        "  ali@example.invalid",
        "ALI@example.invalid ",
        "Ali@Example.Invalid",
        "\tali@EXAMPLE.invalid\n",
        "aLi@example.INVALID",
    ]

    statuses = [
        (
            await anonymous.post("/api/session", json={"email": email, "password": "wrong pass"})
        ).status_code
        for email in spellings
    ]
    right = await anonymous.post(
        "/api/session", json={"email": "ali@example.invalid", "password": PASSWORD}
    )

    assert statuses == [401] * 5 + [429]
    assert right.status_code == 429


async def test_an_over_long_password_is_refused_unhashed_whether_or_not_the_account_exists(
    anonymous: httpx.AsyncClient, users: dict[str, ApiUser]
) -> None:
    long_password = "x" * 1025
    known = users["person"].account["email"]

    answers = [
        await anonymous.post("/api/session", json={"email": email, "password": long_password})
        for email in (known, "nobody@example.invalid")
    ]
    deletion = await users["person"].call(
        "DELETE", "/api/accounts/me", json={"password": long_password}
    )
    still = await users["person"].call("GET", "/api/me")

    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json() == {"detail": answers[0].json()["detail"]}
    assert "at most 1024" in answers[0].json()["detail"]
    assert deletion.status_code == 400
    assert still.status_code == 200
