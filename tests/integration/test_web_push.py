"""Web Push end to end: real server, real sockets, a push service in the test that decrypts.

Each notification is decrypted with the subscription's own keys and must carry only generic
words and the route to open: no names, no plan title, no suggestion text.
"""

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from automerge.core import SyncState

from server.plans.plan_fields import MAX_TEXT
from server.push.service import PushService as Notifications
from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import (
    decide_proposal,
    new_item,
    new_proposal,
    plan_document,
    sign_off,
    undecided_proposals,
)
from tests.support.full_disk import limit_growth
from tests.support.live_server import LiveServer
from tests.support.plan_circle import create_plan, join, sections
from tests.support.push_service import Browser, push_service
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts(push_to_loopback=True)
USERS = ("Pat", "Cat", "Dr Lee")
SECRET_WORDS = ("Pat", "Cat", "Lee", "Hidden title", "Stops answering", "river")


def notifications(server: LiveServer) -> Notifications:
    found: Notifications = server.app.state.push
    return found


async def subscribe(user: ApiUser, browser: Browser, kinds: list[str]) -> None:
    await user.ok("POST", "/api/push/subscriptions", json=browser.subscription(kinds))


def generic(message: dict[str, Any]) -> None:
    text = str(message)
    for word in SECRET_WORDS:
        assert word not in text, f"{word!r} in {message}"
    assert set(message) == {"title", "body", "url", "tag"}


async def shared_plan(
    server: LiveServer, person: ApiUser, member: ApiUser, doc_id: str, member_device: str
) -> tuple[WirePeer, WirePeer]:
    """The person's phone uploads the plan with one item; the member's device receives it."""
    person_peer = await WirePeer.connect(person.sync_url(server.url), "pat-phone")
    person_peer.docs[doc_id] = plan_document("everyone", sections("everyone"))
    person_peer.states[doc_id] = SyncState()
    new_item(person_peer.doc(doc_id), "coping", "A walk by the river")
    await person_peer.sync(doc_id)
    member_peer = await WirePeer.connect(member.sync_url(server.url), member_device)
    await member_peer.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)
    return person_peer, member_peer


async def test_a_suggestion_tells_the_person_once_and_nothing_of_the_plan(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat = users["Pat"], users["Cat"]
    key = (await pat.ok("GET", "/api/push/key"))["publicKey"]
    plan = await create_plan(pat, "Hidden title")
    async with push_service() as service:
        phone = Browser(service.url("/pat-phone"))
        await subscribe(pat, phone, ["proposal", "membership"])

        await join(pat, cat, plan["id"], "carer")
        joined = await service.next()
        assert joined.path == "/pat-phone"
        assert joined.vapid_key() == key  # signed by the server's key, checked
        message = joined.message(phone)
        generic(message)
        assert message["url"] == f"/#/plan/{plan['id']}/people"

        doc_id = plan["documentId"]
        pat_peer, cat_peer = await shared_plan(server, pat, cat, doc_id, "cat-phone")
        new_proposal(cat_peer.doc(doc_id), "warning-signs", "Stops answering the phone")
        await cat_peer.sync(doc_id)

        proposed = await service.next()
        message = proposed.message(phone)
        generic(message)
        assert message["url"] == f"/#/plan/{plan['id']}/suggestions"

        # The person's own changes tell nobody: a new item, deciding the suggestion.
        new_item(pat_peer.doc(doc_id), "coping", "Music")
        await pat_peer.sync(doc_id)
        await pat_peer.receive_until(doc_id, lambda d: undecided_proposals(d) != [])
        decide_proposal(
            pat_peer.doc(doc_id), undecided_proposals(pat_peer.doc(doc_id))[0], "accepted"
        )
        await pat_peer.sync(doc_id)
        await notifications(server).drain()
        assert service.received.empty()

        new_proposal(cat_peer.doc(doc_id), "coping", "Call me")
        await cat_peer.sync(doc_id)
        second = await service.next()
        assert second.message(phone)["url"] == f"/#/plan/{plan['id']}/suggestions"
        await notifications(server).drain()
        assert service.received.empty()
        for peer in (pat_peer, cat_peer):
            await peer.close()


async def test_a_suggestion_the_server_could_not_store_tells_nobody(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat = users["Pat"], users["Cat"]
    plan = await create_plan(pat, "Hidden title")
    async with push_service() as service:
        phone = Browser(service.url("/pat-phone"))
        await subscribe(pat, phone, ["proposal"])
        await join(pat, cat, plan["id"], "carer")
        doc_id = plan["documentId"]
        pat_peer, cat_peer = await shared_plan(server, pat, cat, doc_id, "cat-phone")

        # The disk is full: the suggestions pass every check, and their commit fails. 40 KB
        # of them, more than a new database has free inside it (if it had room, the commit
        # would succeed and the close code below would say so).
        await limit_growth(server.app.state.storage, 0)
        for _ in range(20):
            new_proposal(
                cat_peer.doc(doc_id), "warning-signs", os.urandom(MAX_TEXT).hex()[:MAX_TEXT]
            )
        code, said = await cat_peer.push(doc_id)
        assert code == 1011, said
        await notifications(server).drain()
        assert service.received.empty()

        # Space again: the phone sends it again, it is stored, and the person is told once.
        await limit_growth(server.app.state.storage, None)
        again = await WirePeer.connect(cat.sync_url(server.url), "cat-phone")
        again.docs[doc_id], again.states[doc_id] = cat_peer.doc(doc_id), SyncState()
        await again.sync(doc_id)
        proposed = await service.next()
        assert proposed.message(phone)["url"] == f"/#/plan/{plan['id']}/suggestions"
        await notifications(server).drain()
        assert service.received.empty()
        for peer in (pat_peer, again):
            await peer.close()


async def test_only_the_chosen_kinds_arrive_and_unsubscribing_stops_them(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat, lee = users["Pat"], users["Cat"], users["Dr Lee"]
    plan = await create_plan(pat)
    async with push_service() as service:
        chose_none = Browser(service.url("/no-membership"))
        chose = Browser(service.url("/membership"))
        await subscribe(pat, chose_none, ["proposal"])
        await subscribe(pat, chose, ["membership"])
        await join(pat, cat, plan["id"], "carer")
        assert (await service.next()).path == "/membership"
        await notifications(server).drain()
        assert service.received.empty()

        mine = await pat.ok("GET", "/api/push/subscriptions")
        assert sorted((s["endpoint"], s["kinds"]) for s in mine) == [
            (chose.endpoint, ["membership"]),
            (chose_none.endpoint, ["proposal"]),
        ]
        # Someone else cannot end Pat's subscription; Pat can.
        await cat.ok("POST", "/api/push/unsubscribe", 404, json={"endpoint": chose.endpoint})
        await pat.ok("POST", "/api/push/unsubscribe", 204, json={"endpoint": chose.endpoint})
        await join(pat, lee, plan["id"], "clinician")
        await notifications(server).drain()
        assert service.received.empty()


async def test_ended_subscriptions_are_dropped_and_others_still_get_theirs(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat = users["Pat"], users["Cat"]
    plan = await create_plan(pat)
    async with push_service() as service:
        service.answers = {"/gone": 410, "/unknown": 404, "/busy": 503}
        browsers = [Browser(service.url(p)) for p in ("/gone", "/unknown", "/busy", "/fine")]
        for browser in browsers:
            await subscribe(pat, browser, ["membership"])
        await join(pat, cat, plan["id"], "carer")
        await notifications(server).drain()
        paths = sorted([(await service.next()).path for _ in browsers])
        assert paths == ["/busy", "/fine", "/gone", "/unknown"]
        left = await pat.ok("GET", "/api/push/subscriptions")
        # 404 and 410 end a subscription; a push service that is busy keeps it.
        assert sorted(s["endpoint"] for s in left) == [service.url("/busy"), service.url("/fine")]


async def test_a_push_service_that_hangs_holds_up_no_other(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat = users["Pat"], users["Cat"]
    plan = await create_plan(pat)
    async with push_service() as service:
        service.stalls = {"/a-hangs"}
        for path in ("/a-hangs", "/b-fine"):  # sent in this order, were they sent in turn
            await subscribe(pat, Browser(service.url(path)), ["membership"])
        await join(pat, cat, plan["id"], "carer")
        # In turn, the second would wait for the first's 10 s timeout; at once, it does not.
        arrived = {(await service.next(within_s=5)).path for _ in range(2)}
        assert arrived == {"/a-hangs", "/b-fine"}
        service.release.set()
        await notifications(server).drain()
        left = await pat.ok("GET", "/api/push/subscriptions")
        assert len(left) == 2


async def test_a_review_due_tomorrow_tells_its_clinicians_once(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, lee = users["Pat"], users["Dr Lee"]
    plan = await create_plan(pat, "Hidden title")
    await join(pat, lee, plan["id"], "clinician")
    doc_id = plan["documentId"]
    pat_peer, lee_peer = await shared_plan(server, pat, lee, doc_id, "lee-laptop")
    morning = datetime(2031, 5, 6, 10, 0, tzinfo=UTC)
    tomorrow = (morning + timedelta(days=1)).date().isoformat()
    heads = {doc_id: lee_peer.doc(doc_id).get_heads()}
    sign_off(lee_peer.doc(doc_id), heads, next_review=tomorrow)
    await lee_peer.sync(doc_id)
    await lee.ok("GET", "/api/caseload")  # reads the sign-off into the reviews table
    async with push_service() as service:
        laptop = Browser(service.url("/lee-laptop"))
        await subscribe(lee, laptop, ["review-due"])
        push = notifications(server)
        assert await push.check_reviews(morning.replace(hour=3)) == 0  # not at night
        # 23:30 UTC the day before the review is 00:30 on its day in London (BST): not at
        # night, and not "tomorrow".
        assert await push.check_reviews(morning.replace(hour=23, minute=30)) == 0
        assert await push.check_reviews(morning) == 1
        message = (await service.next()).message(laptop)
        generic(message)
        assert message["url"] == f"/#/plan/{plan['id']}/review"
        assert await push.check_reviews(morning + timedelta(hours=1)) == 0  # told already
        assert service.received.empty()
    for peer in (pat_peer, lee_peer):
        await peer.close()


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("http://push.example.org/x", "https"),
        ("https://10.0.0.7/x", "public host"),
        ("https://169.254.169.254/latest", "public host"),
        ("https://user:pw@push.example.org/x", "no credentials"),
        ("ftp://push.example.org/x", "https"),
        ("not a url", "https"),
    ],
)
async def test_endpoints_that_would_reach_inside_are_refused(
    server: LiveServer, users: dict[str, ApiUser], endpoint: str, why: str
) -> None:
    browser = Browser(endpoint)
    refused = await users["Pat"].call(
        "POST", "/api/push/subscriptions", json=browser.subscription(["proposal"])
    )
    assert refused.status_code == 400, refused.text
    assert why in refused.json()["detail"]


async def test_bad_keys_and_kinds_are_refused(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat = users["Pat"]
    body = Browser("https://push.example.org/sub").subscription(["proposal"])
    for bad in (
        {**body, "keys": {**body["keys"], "p256dh": "AAAA"}},
        {**body, "keys": {**body["keys"], "auth": "not base64!"}},
        {**body, "kinds": ["everything"]},
    ):
        refused = await pat.call("POST", "/api/push/subscriptions", json=bad)
        assert refused.status_code == 400, refused.text
    assert await pat.ok("GET", "/api/push/subscriptions") == []
    async with httpx.AsyncClient(base_url=server.base_url) as anonymous:
        signed_out = await anonymous.get("/api/push/subscriptions")
        assert signed_out.status_code == 401
        # The public key is public: a page asks for it before anyone signs in.
        assert (await anonymous.get("/api/push/key")).status_code == 200


async def test_a_member_leaving_tells_the_person_and_their_subscriptions_go_with_them(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    pat, cat = users["Pat"], users["Cat"]
    plan = await create_plan(pat)
    await join(pat, cat, plan["id"], "carer")
    async with push_service() as service:
        pat_phone, cat_phone = Browser(service.url("/pat")), Browser(service.url("/cat"))
        await subscribe(pat, pat_phone, ["membership"])
        await subscribe(cat, cat_phone, ["membership", "proposal"])
        deleted = await cat.call("DELETE", "/api/accounts/me", json={"password": PASSWORD})
        assert deleted.status_code == 204, deleted.text
        left = await service.next()
        assert left.path == "/pat"
        assert left.message(pat_phone)["url"] == f"/#/plan/{plan['id']}/people"
        await notifications(server).drain()
        assert service.received.empty()
    with sqlite3.connect(server.settings.database_path) as db:
        endpoints = [r[0] for r in db.execute("SELECT endpoint FROM push_subscriptions")]
    assert endpoints == [pat_phone.endpoint]
