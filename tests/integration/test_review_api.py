"""Reviews and the digest over real HTTP, from changes written on real sockets and stored."""

import time
from datetime import datetime
from typing import Any

import pytest
from automerge.core import SyncState

from server.plans.template import plan_template
from tests.support.api import ApiUser
from tests.support.automerge_docs import (
    new_document_id,
    new_item,
    new_proposal,
    plan_document,
    sign_off,
)
from tests.support.live_server import LiveServer
from tests.support.stored_rows import stored_rows
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("person", "carer", "clinician", "stranger")  # signed up by the `users` fixture
DATABASES = ("sqlite", "postgres")  # conftest: each test on each

EVERYONE = [s.id for s in plan_template().sections if s.audience == "everyone"]


def stored_reviews(server: LiveServer) -> list[tuple[str, str, str]]:
    rows = stored_rows(server.settings, "SELECT id, reviewer_id, note FROM reviews ORDER BY id")
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def at(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def entries(digest: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (p["displayName"], p["role"], [(e["kind"], e["sectionId"]) for e in p["entries"]])
        for p in digest["people"]
    ]


async def test_the_digest_names_each_person_and_a_clinicians_sign_off_starts_the_next(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    started = time.time()
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    for member, role in ((carer, "carer"), (clinician, "clinician")):
        invite = await person.ok(
            "POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": role}
        )
        await member.ok("POST", f"/api/invites/{invite['code']}/accept")
    doc_id, base = plan["documentId"], f"/api/plans/{plan['id']}"
    person_peer = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    person_peer.docs[doc_id] = plan_document("everyone", EVERYONE)
    person_peer.states[doc_id] = SyncState()
    new_item(person_peer.doc(doc_id), "coping", "A walk by the river")
    await person_peer.sync(doc_id)
    carer_peer = await WirePeer.connect(carer.sync_url(server.url), "carer-phone")
    await carer_peer.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)
    new_proposal(carer_peer.doc(doc_id), "warning-signs", "Stops answering the phone")
    await carer_peer.sync(doc_id)
    clinician_peer = await WirePeer.connect(clinician.sync_url(server.url), "clinician-phone")
    await clinician_peer.receive_until(doc_id, lambda d: len(d.get_heads()) > 0, request=True)
    await clinician_peer.receive_until(
        doc_id,
        lambda d: len(d.get_changes([])) == 3,  # the carer's proposal has arrived
    )
    new_item(clinician_peer.doc(doc_id), "professional-contacts", "Crisis team", phone="0100")
    await clinician_peer.sync(doc_id)

    first = await clinician.ok("GET", f"{base}/digest")
    changes = {c["hash"]: c for c in await clinician.ok("GET", f"{base}/changes")}

    assert first["since"] is None
    assert first["conflicts"] == []
    assert entries(first) == [
        ("person", "person", [("added", "coping")]),
        ("carer", "carer", [("proposed", "warning-signs")]),
        ("clinician", "clinician", [("added", "professional-contacts")]),
    ]
    assert [p["userId"] for p in first["people"]] == [person.id, carer.id, clinician.id]
    contact = first["people"][2]["entries"][0]
    assert contact["after"] == {"text": "Crisis team", "phone": "0100"}
    assert contact["sectionTitle"] == "Professional and crisis contacts"
    for p in first["people"]:
        for e in p["entries"]:
            row = changes[e["hash"]]
            assert (e["changeTime"], e["receivedAt"]) == (row["changeTime"], row["receivedAt"])
            assert started - 1 <= at(e["receivedAt"]) <= time.time() + 1
    until = first["until"]
    assert set(until) == {doc_id}
    assert sorted(until[doc_id]) == sorted(h.hex() for h in clinician_peer.doc(doc_id).get_heads())

    # The clinician signs off exactly what the digest showed.
    reviewed = {doc_id: [bytes.fromhex(h) for h in until[doc_id]]}
    review_id = sign_off(
        clinician_peer.doc(doc_id), reviewed, "Discussed with Alex", next_review="2027-03-01"
    )
    await clinician_peer.sync(doc_id)
    reviews = await carer.ok("GET", f"{base}/reviews")
    after_review = await clinician.ok("GET", f"{base}/digest")

    [review] = reviews
    assert review["id"] == review_id
    assert (review["reviewerId"], review["reviewerName"]) == (clinician.id, "clinician")
    assert (review["note"], review["nextReview"]) == ("Discussed with Alex", "2027-03-01")
    assert review["documentId"] == doc_id
    assert review["heads"] == until
    assert started - 1 <= at(review["receivedAt"]) <= time.time() + 1
    assert after_review["since"] == review
    assert (after_review["people"], after_review["conflicts"]) == ([], [])

    # A later change, and a "sign-off" the person writes by hand: not a review.
    new_item(person_peer.doc(doc_id), "coping", "Phone my sister")
    sign_off(person_peer.doc(doc_id), {doc_id: []}, "I reviewed it myself")
    await person_peer.sync(doc_id)
    since_review = await person.ok("GET", f"{base}/digest", params={"since": review_id})

    assert await person.ok("GET", f"{base}/reviews") == [review]
    assert stored_reviews(server) == [(review_id, clinician.id, "Discussed with Alex")]
    assert since_review["since"] == review
    assert entries(since_review) == [
        ("person", "person", [("added", "coping"), ("added", "review-log")]),
    ]
    assert since_review["people"][0]["entries"][0]["after"]["text"] == "Phone my sister"
    for peer in (person_peer, carer_peer, clinician_peer):
        await peer.close()


async def test_reviews_and_digests_are_for_members_and_known_reviews_only(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, stranger = users["person"], users["stranger"]
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    base = f"/api/plans/{plan['id']}"

    unknown = await person.call("GET", f"{base}/digest", params={"since": "no-such-review"})
    empty = await person.ok("GET", f"{base}/digest")

    assert (await stranger.call("GET", f"{base}/reviews")).status_code == 404
    assert (await stranger.call("GET", f"{base}/digest")).status_code == 404
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "no review no-such-review in this plan"}
    assert empty == {
        "since": None,
        "until": {plan["documentId"]: []},
        "conflicts": [],
        "people": [],
        "membership": [],
    }
    assert await person.ok("GET", f"{base}/reviews") == []


async def test_the_persons_digest_starts_at_the_review_in_documents_it_did_not_cover(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    """The person's own document (reasons for living) is not in a clinician's review heads:
    what the server had received by the sign-off counts as reviewed there too."""
    person, clinician = users["person"], users["clinician"]
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    invite = await person.ok(
        "POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": "clinician"}
    )
    await clinician.ok("POST", f"/api/invites/{invite['code']}/accept")
    base, shared, own = f"/api/plans/{plan['id']}", plan["documentId"], new_document_id()
    await person.ok(
        "POST", f"{base}/documents", 201, json={"documentId": own, "audience": "person"}
    )
    peer = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    for doc_id, audience in ((shared, "everyone"), (own, "person")):
        sections = EVERYONE if audience == "everyone" else ["reasons"]
        peer.docs[doc_id] = plan_document(audience, sections)
        peer.states[doc_id] = SyncState()
    new_item(peer.doc(shared), "coping", "A walk, before the review")
    new_item(peer.doc(own), "reasons", "My niece, before the review")
    await peer.sync(shared)
    await peer.sync(own)
    clinician_peer = await WirePeer.connect(clinician.sync_url(server.url), "clinician-phone")
    await clinician_peer.receive_until(shared, lambda d: len(d.get_changes([])) == 2, request=True)
    until = (await clinician.ok("GET", f"{base}/digest"))["until"]
    assert set(until) == {shared}  # the clinician cannot read the person's own document
    sign_off(clinician_peer.doc(shared), {shared: [bytes.fromhex(h) for h in until[shared]]})
    await clinician_peer.sync(shared)
    assert len(await clinician.ok("GET", f"{base}/reviews")) == 1

    new_item(peer.doc(own), "reasons", "My dog, after the review")
    await peer.sync(own)
    digest = await person.ok("GET", f"{base}/digest")

    assert entries(digest) == [("person", "person", [("added", "reasons")])]
    assert digest["people"][0]["entries"][0]["after"]["text"] == "My dog, after the review"
    for p in (peer, clinician_peer):
        await p.close()


async def test_the_same_sign_off_twice_is_one_review_and_keeps_its_next_review_date(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    """Issue 10 item 11: a double tap on "Mark reviewed" (two sign-offs of the same heads)."""
    person, clinician = users["person"], users["clinician"]
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    invite = await person.ok(
        "POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": "clinician"}
    )
    await clinician.ok("POST", f"/api/invites/{invite['code']}/accept")
    doc_id, base = plan["documentId"], f"/api/plans/{plan['id']}"
    person_peer = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    person_peer.docs[doc_id] = plan_document("everyone", EVERYONE)
    person_peer.states[doc_id] = SyncState()
    new_item(person_peer.doc(doc_id), "coping", "A walk by the river")
    await person_peer.sync(doc_id)
    clinician_peer = await WirePeer.connect(clinician.sync_url(server.url), "clinician-phone")
    await clinician_peer.receive_until(doc_id, lambda d: len(d.get_heads()) > 0, request=True)
    until = (await clinician.ok("GET", f"{base}/digest"))["until"]
    reviewed = {doc_id: [bytes.fromhex(h) for h in until[doc_id]]}

    first = sign_off(clinician_peer.doc(doc_id), reviewed, "Seen", next_review="2027-03-01")
    sign_off(clinician_peer.doc(doc_id), reviewed, "Reviewed", at=1_790_000_000_001)
    await clinician_peer.sync(doc_id)
    reviews = await person.ok("GET", f"{base}/reviews")
    digest = await clinician.ok("GET", f"{base}/digest")

    assert [(r["id"], r["nextReview"]) for r in reviews] == [(first, "2027-03-01")]
    assert digest["since"]["id"] == first
    assert [r[0] for r in stored_reviews(server)] == [first]
    # A new sign-off of new heads is a review again.
    later = {
        doc_id: [
            bytes.fromhex(h) for h in (await clinician.ok("GET", f"{base}/digest"))["until"][doc_id]
        ]
    }
    second = sign_off(clinician_peer.doc(doc_id), later, "Again", at=1_790_000_000_002)
    await clinician_peer.sync(doc_id)
    assert [r["id"] for r in await person.ok("GET", f"{base}/reviews")] == [first, second]
    for peer in (person_peer, clinician_peer):
        await peer.close()
