"""Invitations over real HTTP (issue 10 items 7, 8 and 9): codes however typed, junk told
kindly, no one uses their own plan's invite, and the person lists and cancels pending ones."""

import re
import sqlite3

import pytest

from tests.support.api import ApiUser
from tests.support.automerge_docs import new_document_id
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("person", "carer", "clinician", "stranger")  # signed up by the `users` fixture


async def _plan(person: ApiUser) -> str:
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "My plan"}
    )
    return str(plan["id"])


async def _invite(person: ApiUser, plan_id: str, role: str = "carer") -> dict[str, str]:
    invite: dict[str, str] = await person.ok(
        "POST", f"/api/plans/{plan_id}/invites", 201, json={"role": role}
    )
    return invite


def _roles(members: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(m["displayName"], m["role"]) for m in members}


async def test_a_code_is_accepted_however_it_is_typed(users: dict[str, ApiUser]) -> None:
    person = users["person"]
    plan_id = await _plan(person)
    typed = {
        "carer": lambda code: f"  {code.lower().replace('-', ' ')} ",
        "clinician": lambda code: code.replace("-", ""),
        "stranger": lambda code: "\u2013".join(
            code.split("-")
        ).lower(),  # en dashes, as phones type
    }
    for name, retype in typed.items():
        invite = await _invite(person, plan_id, "viewer")
        accepted = await users[name].ok(
            "POST", "/api/invites/accept", json={"code": retype(invite["code"])}
        )
        assert accepted == {"planId": plan_id, "role": "viewer"}
    # The path form takes them too.
    invite = await _invite(person, plan_id, "carer")
    other = await ApiUser.sign_up(str(person.http.base_url), "late")
    try:
        spaced = invite["code"].lower().replace("-", " ")
        assert await other.ok("POST", f"/api/invites/{spaced}/accept") == {
            "planId": plan_id,
            "role": "carer",
        }
    finally:
        await other.close()


@pytest.mark.parametrize(
    "path",
    [
        "/api/invites/ABCD%2FEFGH/accept",
        "/api/invites/ABCD/EFGH/accept",
        "/api/invites/%20/accept",
        "/api/invites/not-a-code/accept",
        "/api/invites/ABCD-EFGH-JKLM-NPQ0/accept",
    ],
)
async def test_junk_in_the_path_is_a_clear_400_never_a_bare_not_found(
    users: dict[str, ApiUser], path: str
) -> None:
    response = await users["stranger"].call("POST", path)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"detail": response.json()["detail"]}
    assert "not an invitation code" in response.json()["detail"]


async def test_junk_in_the_body_is_a_clear_400_and_an_unknown_code_a_clear_404(
    users: dict[str, ApiUser],
) -> None:
    stranger = users["stranger"]
    for junk in ("https://example.org/#/join/ABCD", "ABCD/EFGH/JKLM/NPQR", "", "x" * 10_000):
        response = await stranger.call("POST", "/api/invites/accept", json={"code": junk})
        assert response.status_code == 400, junk
        assert "not an invitation code" in response.json()["detail"]
    unknown = await stranger.call(
        "POST", "/api/invites/accept", json={"code": "ABCD-EFGH-JKLM-NPQR"}
    )
    assert unknown.status_code == 404
    assert "Ask the person who invited you for a new one" in unknown.json()["detail"]


async def test_the_person_cannot_use_their_own_invite_and_it_stays_valid(
    users: dict[str, ApiUser],
) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    plan_id = await _plan(person)
    invite = await _invite(person, plan_id, "carer")
    await clinician.ok(
        "POST", f"/api/invites/{(await _invite(person, plan_id, 'clinician'))['code']}/accept"
    )

    own_preview = await person.ok("POST", "/api/invites/preview", json={"code": invite["code"]})
    carer_preview = await carer.ok("POST", "/api/invites/preview", json={"code": invite["code"]})
    own = await person.call("POST", "/api/invites/accept", json={"code": invite["code"]})
    own_path = await person.call("POST", f"/api/invites/{invite['code']}/accept")
    member = await clinician.call("POST", "/api/invites/accept", json={"code": invite["code"]})

    assert own_preview == {
        "personName": "person",
        "role": "carer",
        "expiresAt": invite["expiresAt"],
        "yourRole": "person",
    }
    assert carer_preview == {**own_preview, "yourRole": None}
    assert (own.status_code, own_path.status_code, member.status_code) == (409, 409, 409)
    assert "for someone else" in own.json()["detail"]
    assert "still valid" in own.json()["detail"]
    assert "already in this plan" in member.json()["detail"]
    assert [i["id"] for i in await person.ok("GET", f"/api/plans/{plan_id}/invites")] == [
        invite["id"]
    ]
    assert (await person.ok("GET", "/api/plans"))[0]["role"] == "person"
    assert await carer.ok("POST", "/api/invites/accept", json={"code": invite["code"]}) == {
        "planId": plan_id,
        "role": "carer",
    }
    members = await person.ok("GET", f"/api/plans/{plan_id}/members")
    assert _roles(members) == {("person", "person"), ("carer", "carer"), ("clinician", "clinician")}


async def test_the_person_lists_and_cancels_pending_invites(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer, stranger = users["person"], users["carer"], users["stranger"]
    plan_id = await _plan(person)
    first = await _invite(person, plan_id, "carer")
    second = await _invite(person, plan_id, "clinician")
    used = await _invite(person, plan_id, "viewer")
    await stranger.ok("POST", "/api/invites/accept", json={"code": used["code"]})
    assert re.fullmatch(r"[0-9a-f]{64}", first["id"])

    listed = await person.ok("GET", f"/api/plans/{plan_id}/invites")
    by_member = await stranger.call("GET", f"/api/plans/{plan_id}/invites")
    by_outsider = await carer.call("GET", f"/api/plans/{plan_id}/invites")
    cancel_by_member = await stranger.call("DELETE", f"/api/plans/{plan_id}/invites/{first['id']}")

    assert [(i["id"], i["role"], i["expiresAt"]) for i in listed] == [
        (first["id"], "carer", first["expiresAt"]),
        (second["id"], "clinician", second["expiresAt"]),
    ]
    assert all("code" not in i for i in listed)
    assert (by_member.status_code, by_outsider.status_code) == (403, 404)
    assert cancel_by_member.status_code == 403

    await person.ok("DELETE", f"/api/plans/{plan_id}/invites/{first['id']}", 204)
    spaced = second["code"].lower().replace("-", " ")
    await person.ok("DELETE", f"/api/plans/{plan_id}/invites/{spaced}", 204)
    again = await person.call("DELETE", f"/api/plans/{plan_id}/invites/{first['id']}")
    junk = await person.call("DELETE", f"/api/plans/{plan_id}/invites/nonsense")
    cancelled = await carer.call("POST", "/api/invites/accept", json={"code": first["code"]})

    assert await person.ok("GET", f"/api/plans/{plan_id}/invites") == []
    assert (again.status_code, junk.status_code, cancelled.status_code) == (404, 400, 404)
    with sqlite3.connect(server.settings.database_path) as db:
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions.count("cancel-invite") == 2
