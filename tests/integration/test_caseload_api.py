"""A clinician's caseload over real HTTP, from changes written on real sockets and stored."""

from typing import Any

import httpx
import pytest
from automerge.core import SyncState

from server.plans.template import plan_template
from tests.support.api import ApiUser
from tests.support.automerge_docs import (
    decide_proposal,
    edit_item,
    new_document_id,
    new_item,
    new_proposal,
    plan_document,
    sign_off,
)
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("Alex", "Blake", "Casey", "Dana", "carer", "clinician", "other clinician")

EVERYONE = [s.id for s in plan_template().sections if s.audience == "everyone"]


class Plan:
    """A person's plan with its everyone document on the person's phone."""

    def __init__(self, info: dict[str, Any], peer: WirePeer) -> None:
        self.id: str = info["id"]
        self.doc_id: str = info["documentId"]
        self.peer = peer


async def make_plan(
    server: LiveServer, person: ApiUser, members: list[tuple[ApiUser, str]]
) -> Plan:
    info = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    for member, role in members:
        invite = await person.ok(
            "POST", f"/api/plans/{info['id']}/invites", 201, json={"role": role}
        )
        await member.ok("POST", f"/api/invites/{invite['code']}/accept")
    peer = await WirePeer.connect(person.sync_url(server.url), f"phone-{info['id']}")
    peer.docs[info["documentId"]] = plan_document("everyone", EVERYONE)
    peer.states[info["documentId"]] = SyncState()
    await peer.sync(info["documentId"])
    return Plan(info, peer)


async def joined(server: LiveServer, user: ApiUser, plan: Plan, name: str) -> WirePeer:
    peer = await WirePeer.connect(user.sync_url(server.url), name)
    await peer.receive_until(plan.doc_id, lambda d: d.get_heads() != [], request=True)
    heads = plan.peer.doc(plan.doc_id).get_heads()
    await peer.receive_until(plan.doc_id, lambda d: d.get_heads() == heads)
    return peer


async def caseload(user: ApiUser) -> dict[str, dict[str, Any]]:
    body = await user.ok("GET", "/api/caseload")
    return {p["planId"]: p for p in body["plans"]}


async def test_the_caseload_lists_the_clinicians_plans_by_review_due_then_changes(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    clinician, carer = users["clinician"], users["carer"]
    busy = await make_plan(server, users["Alex"], [(clinician, "clinician"), (carer, "carer")])
    overdue = await make_plan(server, users["Blake"], [(clinician, "clinician")])
    quiet = await make_plan(server, users["Casey"], [(clinician, "clinician")])
    later = await make_plan(server, users["Dana"], [(clinician, "clinician")])
    unrelated = await make_plan(server, users["Dana"], [(users["other clinician"], "clinician")])
    new_item(busy.peer.doc(busy.doc_id), "coping", "A walk by the river")
    new_item(busy.peer.doc(busy.doc_id), "coping", "Music")
    await busy.peer.sync(busy.doc_id)
    carer_peer = await joined(server, carer, busy, "carer-phone")
    proposal = new_proposal(carer_peer.doc(busy.doc_id), "warning-signs", "Stops eating")
    await carer_peer.sync(busy.doc_id)
    peers = []
    for plan, due in ((overdue, "2020-01-31"), (later, "2999-12-31")):
        peer = await joined(server, clinician, plan, f"clinician-{plan.id}")
        doc = peer.doc(plan.doc_id)
        sign_off(doc, {plan.doc_id: doc.get_heads()}, "Seen", next_review=due)
        await peer.sync(plan.doc_id)
        peers.append(peer)
    new_item(overdue.peer.doc(overdue.doc_id), "coping", "Cooking")
    await overdue.peer.sync(overdue.doc_id)

    body = await clinician.ok("GET", "/api/caseload")
    plans = {p["planId"]: p for p in body["plans"]}
    busy_changes = await clinician.ok("GET", f"/api/plans/{busy.id}/changes")

    assert [p["planId"] for p in body["plans"]] == [overdue.id, busy.id, quiet.id, later.id]
    assert unrelated.id not in plans
    assert [p["personName"] for p in body["plans"]] == ["Blake", "Alex", "Casey", "Dana"]
    assert plans[busy.id]["changesSinceReview"] == len(busy_changes) == 4
    assert plans[busy.id]["waitingSuggestions"] == 1
    assert plans[busy.id]["nextReview"] is None
    assert plans[busy.id]["lastReviewAt"] is None
    assert plans[busy.id]["lastChangedAt"] == busy_changes[-1]["receivedAt"]
    assert plans[quiet.id]["changesSinceReview"] == 1
    assert (plans[overdue.id]["nextReview"], plans[overdue.id]["changesSinceReview"]) == (
        "2020-01-31",
        1,  # the item after the sign-off; the sign-off itself is not counted
    )
    assert plans[overdue.id]["lastReviewAt"] is not None
    assert plans[later.id]["changesSinceReview"] == 0
    assert {p["conflicts"] for p in body["plans"]} == {None}  # no digest opened yet
    assert {p["waitingSuggestions"] for p in body["plans"] if p["planId"] != busy.id} == {0}

    # The person decides: nothing waits any more.
    carer_heads = carer_peer.doc(busy.doc_id).get_heads()
    await busy.peer.receive_until(busy.doc_id, lambda d: d.get_heads() == carer_heads)
    decide_proposal(busy.peer.doc(busy.doc_id), proposal, "declined")
    await busy.peer.sync(busy.doc_id)
    assert (await caseload(clinician))[busy.id]["waitingSuggestions"] == 0
    for peer in [busy.peer, overdue.peer, quiet.peer, later.peer, unrelated.peer, carer_peer]:
        await peer.close()
    for peer in peers:
        await peer.close()


async def test_conflicts_are_the_latest_digests_and_unknown_once_changes_arrive(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    clinician = users["clinician"]
    plan = await make_plan(server, users["Alex"], [(clinician, "clinician")])
    doc = plan.peer.doc(plan.doc_id)
    item = new_item(doc, "coping", "A walk")
    await plan.peer.sync(plan.doc_id)
    second_phone = await joined(server, users["Alex"], plan, "alex-second-phone")

    await clinician.ok("GET", f"/api/plans/{plan.id}/digest")
    counted = (await caseload(clinician))[plan.id]
    edit_item(doc, "coping", item, splice=(0, 0, "Short "))
    edit_item(second_phone.doc(plan.doc_id), "coping", item, splice=(6, 0, " by the sea"))
    await plan.peer.sync(plan.doc_id)
    await second_phone.sync(plan.doc_id)
    stale = (await caseload(clinician))[plan.id]
    await users["Alex"].ok("GET", f"/api/plans/{plan.id}/digest")  # not a clinician's digest
    still_stale = (await caseload(clinician))[plan.id]
    digest = await clinician.ok("GET", f"/api/plans/{plan.id}/digest")
    found = (await caseload(clinician))[plan.id]

    assert counted["conflicts"] == 0
    assert stale["conflicts"] is None
    assert still_stale["conflicts"] is None
    assert len(digest["conflicts"]) == 1
    assert found["conflicts"] == 1
    assert found["changesSinceReview"] == 4
    for peer in (plan.peer, second_phone):
        await peer.close()


async def test_only_the_plans_the_caller_is_a_clinician_of_are_listed(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer, clinician = users["Alex"], users["carer"], users["clinician"]
    plan = await make_plan(server, person, [(clinician, "clinician"), (carer, "carer")])
    await make_plan(server, carer, [(clinician, "carer")])  # the clinician is a carer here

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        anonymous = await http.get("/api/caseload")

    assert (await person.ok("GET", "/api/caseload"))["plans"] == []
    assert (await carer.ok("GET", "/api/caseload"))["plans"] == []
    assert [p["planId"] for p in (await clinician.ok("GET", "/api/caseload"))["plans"]] == [plan.id]
    assert anonymous.status_code == 401
    await plan.peer.close()
