"""Who joined and left a plan, in the digest and in History (`/membership`), over real HTTP."""

import time
from datetime import datetime
from typing import Any

import pytest
from automerge.core import SyncState

from server.plans.template import plan_template
from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import new_item, plan_document, sign_off
from tests.support.live_server import LiveServer
from tests.support.plan_circle import create_plan, fetch, join
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("Pat", "Cat", "Dr Lee", "Vic")

EVERYONE = [s.id for s in plan_template().sections if s.audience == "everyone"]


def lines(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (e["kind"], e["displayName"], e["role"], e["previousRole"], e["byName"]) for e in events
    ]


def seconds(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def test_joining_removal_and_a_new_role_are_in_the_digest_attributed_and_timed(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat, lee, vic = users["Pat"], users["Cat"], users["Dr Lee"], users["Vic"]
    started = time.time()
    plan = await create_plan(pat)
    base = f"/api/plans/{plan['id']}"
    await join(pat, lee, plan["id"], "clinician")
    await join(pat, cat, plan["id"], "carer")
    await join(pat, vic, plan["id"], "viewer")
    await pat.ok("DELETE", f"{base}/members/{cat.id}", 204)
    await join(pat, cat, plan["id"], "clinician")  # back, with another role
    # Already a member: the invitation is refused (409, it stays valid) and nothing changes.
    invite = await pat.ok("POST", f"{base}/invites", 201, json={"role": "viewer"})
    await lee.ok("POST", f"/api/invites/{invite['code']}/accept", 409)
    deleted = await vic.call("DELETE", "/api/accounts/me", json={"password": PASSWORD})
    assert deleted.status_code == 204, deleted.text
    finished = time.time()

    digest = await lee.ok("GET", f"{base}/digest")
    history = await cat.ok("GET", f"{base}/membership")

    expected = [
        ("joined", "Dr Lee", "clinician", None, "Dr Lee"),
        ("joined", "Cat", "carer", None, "Cat"),
        ("joined", None, "viewer", None, None),  # Vic, since deleted: no name
        ("removed", "Cat", "carer", None, "Pat"),
        ("joined", "Cat", "clinician", "carer", "Cat"),
        ("left", None, "viewer", None, None),
    ]
    assert lines(digest["membership"]) == expected
    assert history == digest["membership"]
    assert [e["userId"] for e in history] == [lee.id, cat.id, vic.id, cat.id, cat.id, vic.id]
    assert [e["byId"] for e in history] == [lee.id, cat.id, vic.id, pat.id, cat.id, vic.id]
    times = [seconds(e["at"]) for e in history]
    assert times == sorted(times)
    assert started - 1 <= times[0] <= times[-1] <= finished + 1, (started, times, finished)


async def test_the_digest_after_a_review_has_only_the_later_membership_changes(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat, lee = users["Pat"], users["Cat"], users["Dr Lee"]
    plan = await create_plan(pat)
    base = f"/api/plans/{plan['id']}"
    await join(pat, lee, plan["id"], "clinician")
    doc_id = plan["documentId"]
    phone = await WirePeer.connect(pat.sync_url(server.url), "pat")
    phone.docs[doc_id] = plan_document("everyone", EVERYONE)
    phone.states[doc_id] = SyncState()
    new_item(phone.doc(doc_id), "coping", "a walk")
    await phone.sync(doc_id)
    await phone.close()
    clinician = await WirePeer.connect(lee.sync_url(server.url), "lee")
    doc = await fetch(clinician, doc_id)
    sign_off(doc, {doc_id: list(doc.get_heads())})
    await clinician.sync(doc_id)
    await clinician.close()
    before = await lee.ok("GET", f"{base}/digest")
    await join(pat, cat, plan["id"], "carer")

    after = await lee.ok("GET", f"{base}/digest")

    assert before["since"] is not None
    assert lines(before["membership"]) == []
    assert lines(after["membership"]) == [("joined", "Cat", "carer", None, "Cat")]
    assert [e["kind"] for e in (await lee.ok("GET", f"{base}/membership"))] == ["joined"] * 2


async def test_strangers_see_no_membership(server: LiveServer, users: dict[str, ApiUser]) -> None:
    plan = await create_plan(users["Pat"])

    found = await users["Cat"].call("GET", f"/api/plans/{plan['id']}/membership")

    assert found.status_code == 404
