"""Two server processes on one PostgreSQL database: one key, and a suggestion told once."""

import asyncio
from pathlib import Path

import httpx
from automerge.core import Document, SyncState

from server.push.service import PushService as Notifications
from server.settings import Settings
from tests.support.api import ApiUser
from tests.support.automerge_docs import new_item, new_proposal, plan_document
from tests.support.live_server import LiveServer, live_server
from tests.support.plan_circle import create_plan, join, sections
from tests.support.push_service import Browser, push_service
from tests.support.wire_peer import WirePeer


def notifications(server: LiveServer) -> Notifications:
    found: Notifications = server.app.state.push
    return found


async def test_both_processes_sign_alike_and_a_suggestion_sent_to_both_is_told_once(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, push_to_loopback=True)
    async with (
        live_server(settings, open_access=False) as one,
        live_server(settings, open_access=False) as two,
    ):
        pat = await ApiUser.sign_up(one.base_url, "Pat")
        cat = await ApiUser.sign_up(one.base_url, "Cat")
        keys = {(await pat.ok("GET", "/api/push/key"))["publicKey"]}
        plan = await create_plan(pat)
        await join(pat, cat, plan["id"], "carer")
        doc_id = plan["documentId"]
        async with push_service() as service:
            phone = Browser(service.url("/pat-phone"))
            await pat.ok("POST", "/api/push/subscriptions", json=phone.subscription(["proposal"]))

            pat_peer = await WirePeer.connect(pat.sync_url(one.url), "pat-phone")
            pat_peer.docs[doc_id] = plan_document("everyone", sections("everyone"))
            pat_peer.states[doc_id] = SyncState()
            new_item(pat_peer.doc(doc_id), "coping", "A walk")
            await pat_peer.sync(doc_id)
            cat_one = await WirePeer.connect(cat.sync_url(one.url), "cat-phone")
            cat_two = await WirePeer.connect(cat.sync_url(two.url), "cat-laptop")
            await cat_one.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)
            new_proposal(cat_one.doc(doc_id), "warning-signs", "Stops answering the phone")
            # The same change reaches both processes at once (a phone and a laptop).
            cat_two.docs[doc_id] = Document.load(cat_one.doc(doc_id).save())
            cat_two.states[doc_id] = SyncState()
            await asyncio.gather(cat_one.sync(doc_id), cat_two.sync(doc_id))

            told = await service.next()
            assert told.message(phone)["url"] == f"/#/plan/{plan['id']}/suggestions"
            for server in (one, two):
                await notifications(server).drain()
            assert service.received.empty()
            for peer in (pat_peer, cat_one, cat_two):
                await peer.close()
        async with httpx.AsyncClient(base_url=two.base_url) as http:
            keys.add((await http.get("/api/push/key")).json()["publicKey"])
        assert len(keys) == 1
        for user in (pat, cat):
            await user.close()
