"""Plans, audiences, invites, members and attribution over real HTTP and real sockets."""

import pytest
from automerge.core import SyncState

from tests.support.api import ApiUser
from tests.support.automerge_docs import add_item, new_document_id, plan_document, put_note
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = (
    "person",
    "carer",
    "clinician",
    "viewer",
    "stranger",
)  # signed up by the `users` fixture


async def _plan(person: ApiUser) -> dict[str, str]:
    plan: dict[str, str] = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "My plan"}
    )
    return plan


async def test_a_members_plan_names_its_person(users: dict[str, ApiUser]) -> None:
    """Issue 10 item 10: a member's list of plans says whose each one is."""
    person, carer = users["person"], users["carer"]
    plan = await _plan(person)
    await _join(person, carer, plan["id"], "carer")

    [listed] = await carer.ok("GET", "/api/plans")

    assert (listed["id"], listed["role"], listed["personName"]) == (plan["id"], "carer", "person")


async def _join(person: ApiUser, member: ApiUser, plan_id: str, role: str) -> None:
    invite = await person.ok("POST", f"/api/plans/{plan_id}/invites", 201, json={"role": role})
    accepted = await member.ok("POST", f"/api/invites/{invite['code']}/accept")
    assert accepted == {"planId": plan_id, "role": role}


async def test_a_plan_is_created_for_its_person(users: dict[str, ApiUser]) -> None:
    person = users["person"]
    doc_id = new_document_id()

    plan = await person.ok("POST", "/api/plans", 201, json={"documentId": doc_id, "title": "Mine"})
    again = await person.call("POST", "/api/plans", json={"documentId": doc_id, "title": "Twice"})
    listed = await person.ok("GET", "/api/plans")

    assert plan == {
        "id": plan["id"],
        "documentId": doc_id,
        "title": "Mine",
        "role": "person",
        "personName": "person",
    }
    assert again.status_code == 409
    assert listed == [plan]


async def test_a_plan_is_invisible_to_non_members(users: dict[str, ApiUser]) -> None:
    plan = await _plan(users["person"])
    stranger = users["stranger"]

    for path in ("members", "documents", "changes", "contributors"):
        response = await stranger.call("GET", f"/api/plans/{plan['id']}/{path}")
        assert response.status_code == 404
    assert await stranger.ok("GET", "/api/plans") == []


async def test_invites_are_single_use_and_only_the_person_invites(
    users: dict[str, ApiUser],
) -> None:
    person, carer, stranger = users["person"], users["carer"], users["stranger"]
    plan = await _plan(person)
    invite = await person.ok(
        "POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": "carer"}
    )

    first = await carer.call("POST", f"/api/invites/{invite['code']}/accept")
    second = await stranger.call("POST", f"/api/invites/{invite['code']}/accept")
    by_carer = await carer.call("POST", f"/api/plans/{plan['id']}/invites", json={"role": "viewer"})
    bad_role = await person.call(
        "POST", f"/api/plans/{plan['id']}/invites", json={"role": "person"}
    )

    assert first.status_code == 200
    assert second.status_code == 404
    assert by_carer.status_code == 403
    assert bad_role.status_code == 400
    members = await carer.ok("GET", f"/api/plans/{plan['id']}/members")
    assert {(m["displayName"], m["role"]) for m in members} == {
        ("person", "person"),
        ("carer", "carer"),
    }


async def test_only_the_person_revokes_and_the_person_stays(users: dict[str, ApiUser]) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    plan = await _plan(person)
    await _join(person, carer, plan["id"], "carer")
    await _join(person, clinician, plan["id"], "clinician")

    by_carer = await carer.call("DELETE", f"/api/plans/{plan['id']}/members/{clinician.id}")
    self_removal = await person.call("DELETE", f"/api/plans/{plan['id']}/members/{person.id}")
    await person.ok("DELETE", f"/api/plans/{plan['id']}/members/{carer.id}", 204)

    assert by_carer.status_code == 403
    assert self_removal.status_code == 404
    assert (await carer.call("GET", f"/api/plans/{plan['id']}/members")).status_code == 404
    roles = {m["role"] for m in await person.ok("GET", f"/api/plans/{plan['id']}/members")}
    assert roles == {"person", "clinician"}


async def test_who_may_register_which_audience(users: dict[str, ApiUser]) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    plan = await _plan(person)
    await _join(person, carer, plan["id"], "carer")
    await _join(person, clinician, plan["id"], "clinician")
    path = f"/api/plans/{plan['id']}/documents"

    def body(audience: str) -> dict[str, str]:
        return {"documentId": new_document_id(), "audience": audience}

    assert (await person.call("POST", path, json=body("person"))).status_code == 201
    assert (await carer.call("POST", path, json=body(f"carer:{carer.id}"))).status_code == 201
    assert (await carer.call("POST", path, json=body("everyone"))).status_code == 403
    assert (await clinician.call("POST", path, json=body("clinicians"))).status_code == 403
    assert (await person.call("POST", path, json=body(f"carer:{clinician.id}"))).status_code == 400
    assert (await person.call("POST", path, json=body("friends"))).status_code == 400


async def test_members_list_only_the_documents_they_may_read(users: dict[str, ApiUser]) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    plan = await _plan(person)
    await _join(person, carer, plan["id"], "carer")
    await _join(person, clinician, plan["id"], "clinician")
    path = f"/api/plans/{plan['id']}/documents"
    notes = f"carer:{carer.id}"
    docs = {a: new_document_id() for a in ("everyone", "person", "clinicians", notes)}
    for audience, doc_id in docs.items():
        author = carer if audience == notes else person
        await author.ok("POST", path, 201, json={"documentId": doc_id, "audience": audience})

    def listed(*audiences: str) -> set[tuple[str, str]]:
        return {(plan["documentId"], "everyone")} | {(docs[a], a) for a in audiences}

    async def seen_by(user: ApiUser) -> set[tuple[str, str]]:
        documents = await user.ok("GET", path)
        pairs = {(d["documentId"], d["audience"]) for d in documents}
        assert len(pairs) == len(documents)
        return pairs

    # A carer's notes are for that carer and the clinicians, not the person (plans/access.py).
    assert await seen_by(person) == listed("everyone", "person", "clinicians")
    assert await seen_by(carer) == listed("everyone", notes)
    assert await seen_by(clinician) == listed("everyone", "clinicians", notes)
    assert (await users["stranger"].call("GET", path)).status_code == 404


async def test_changes_are_attributed_to_the_verified_account(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer = users["person"], users["carer"]
    plan = await _plan(person)
    await _join(person, carer, plan["id"], "carer")
    doc_id = plan["documentId"]
    person_peer = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    carer_peer = await WirePeer.connect(carer.sync_url(server.url), "carer-phone")

    person_peer.docs[doc_id] = plan_document("everyone", ["safer"])
    person_peer.states[doc_id] = SyncState()
    await person_peer.sync(doc_id)
    await carer_peer.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)
    add_item(carer_peer.doc(doc_id), "safer", "a walk together")  # carers write this section
    await carer_peer.sync(doc_id)
    add_item(carer_peer.doc(doc_id), "safer", "a call on Sundays")
    await carer_peer.sync(doc_id)
    changes = await person.ok("GET", f"/api/plans/{plan['id']}/changes")
    contributors = await carer.ok("GET", f"/api/plans/{plan['id']}/contributors")

    assert [(c["displayName"], c["role"], c["seq"]) for c in changes] == [
        ("person", "person", 1),
        ("carer", "carer", 1),
        ("carer", "carer", 2),
    ]
    assert changes[0]["actorId"] == person_peer.doc(doc_id).get_actor().hex()
    assert sorted((c["actorId"], c["userId"], c["role"]) for c in contributors) == sorted(
        [
            (person_peer.doc(doc_id).get_actor().hex(), person.id, "person"),
            (carer_peer.doc(doc_id).get_actor().hex(), carer.id, "carer"),
        ]
    )
    await person_peer.close()
    await carer_peer.close()


async def test_changes_of_documents_a_member_may_not_read_stay_hidden(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer = users["person"], users["carer"]
    plan = await _plan(person)
    await _join(person, carer, plan["id"], "carer")
    private = new_document_id()
    await person.ok(
        "POST",
        f"/api/plans/{plan['id']}/documents",
        201,
        json={"documentId": private, "audience": "person"},
    )
    peer = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    put_note(peer.doc(private), "private", "only mine", "person")
    await peer.sync(private)

    seen_by_person = await person.ok("GET", f"/api/plans/{plan['id']}/changes")
    seen_by_carer = await carer.ok("GET", f"/api/plans/{plan['id']}/changes")

    assert [c["documentId"] for c in seen_by_person] == [private]
    assert seen_by_carer == []
    await peer.close()
