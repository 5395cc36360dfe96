"""A plan's export for its person (portability): content, history and attribution."""

import asyncio
import base64
import os
import time
from pathlib import Path

import httpx
import pytest
from automerge.core import Document

from server.crdt.engine import LiveDocument
from server.settings import Settings
from tests.support.api import ApiUser
from tests.support.automerge_docs import add_item, add_items, add_proposal
from tests.support.live_server import LiveServer, live_server
from tests.support.loop_stall import StallMeter
from tests.support.plan_circle import (
    create_plan,
    fetch,
    join,
    new_plan_document,
    register,
    sections,
    sign_in,
    upload,
)
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("person", "carer", "clinician", "stranger")  # signed up by the `users` fixture


def hashes(doc: Document) -> list[str]:
    return [bytes(c.hash).hex() for c in doc.get_changes([])]


def by_audience(export: dict[str, object]) -> dict[str, dict[str, object]]:
    documents = export["documents"]
    assert isinstance(documents, list)
    return {d["audience"]: d for d in documents}


async def test_the_export_holds_every_readable_document_with_its_history_and_authors(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    plan = await create_plan(person, "Alex's plan")
    await join(person, carer, plan["id"], "carer")
    await join(person, clinician, plan["id"], "clinician")
    shared, private = plan["documentId"], await register(person, plan["id"], "person")
    notes = await register(carer, plan["id"], f"carer:{carer.id}")
    phone = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    everyone_doc = new_plan_document("everyone")
    add_item(everyone_doc, "coping", "a walk by the river")
    await upload(phone, shared, everyone_doc)
    reasons = new_plan_document("person")
    add_item(reasons, "reasons", "my sister's wedding")
    await upload(phone, private, reasons)
    carer_phone = await WirePeer.connect(carer.sync_url(server.url), "carer-phone")
    carers_copy = await fetch(carer_phone, shared)
    add_proposal(carers_copy, "warning-signs", "stops answering the phone")
    add_item(carers_copy, "safer", "the tablets are locked away")
    await carer_phone.sync(shared)
    await upload(carer_phone, notes, new_plan_document(f"carer:{carer.id}"))

    response = await person.call("GET", f"/api/plans/{plan['id']}/export")

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith('attachment; filename="safety-plan-')
    assert response.headers["cache-control"] == "no-store"
    export = response.json()
    assert export["format"] == "safety-plan-export/1"
    assert response.headers["content-disposition"].endswith(f'{export["exportedAt"][:10]}.json"')
    assert export["plan"] == {"id": plan["id"], "title": "Alex's plan"}
    assert {(m["userId"], m["role"]) for m in export["members"]} == {
        (person.id, "person"),
        (carer.id, "carer"),
        (clinician.id, "clinician"),
    }
    documents = by_audience(export)
    assert set(documents) == {"everyone", "person"}  # the carer's notes are not the person's
    everyone = documents["everyone"]
    assert everyone["documentId"] == shared
    content = everyone["content"]
    assert content["sections"]["coping"][0]["text"] == "a walk by the river"
    assert content["sections"]["safer"][0]["text"] == "the tablets are locked away"
    assert content["proposals"][0]["text"] == "stops answering the phone"
    assert content["proposals"][0]["section"] == "warning-signs"
    assert [c["hash"] for c in everyone["changes"]] == hashes(carers_copy)
    assert [(c["userId"], c["displayName"], c["role"]) for c in everyone["changes"]] == [
        (person.id, "person", "person"),
        (person.id, "person", "person"),
        (carer.id, "carer", "carer"),
        (carer.id, "carer", "carer"),
    ]
    assert everyone["changes"][0]["actorId"] == phone.doc(shared).get_actor().hex()
    assert everyone["changes"][2]["actorId"] == carers_copy.get_actor().hex()
    assert documents["person"]["content"]["sections"]["reasons"][0]["text"] == (
        "my sister's wedding"
    )
    await phone.close()
    await carer_phone.close()


async def test_the_automerge_field_loads_with_the_same_heads(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    plan = await create_plan(person)
    phone = await WirePeer.connect(person.sync_url(server.url), "phone")
    doc = new_plan_document("everyone")
    add_item(doc, "coping", "music")
    await upload(phone, plan["documentId"], doc)
    add_item(doc, "coping", "a bath")  # just received: still in memory when exported
    await phone.sync(plan["documentId"])

    export = await person.ok("GET", f"/api/plans/{plan['id']}/export")

    [everyone] = export["documents"]
    loaded = LiveDocument.load(base64.b64decode(everyone["automerge"]))
    assert loaded.heads == list(doc.get_heads())
    assert everyone["heads"] == [h.hex() for h in doc.get_heads()]
    assert loaded.to_json() == everyone["content"]
    assert [i["text"] for i in everyone["content"]["sections"]["coping"]] == ["music", "a bath"]
    assert len(everyone["changes"]) == 3
    await phone.close()


async def test_a_document_not_in_memory_is_exported_from_storage(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    async with live_server(settings, open_access=False) as first:
        person = await ApiUser.sign_up(first.base_url, "person")
        plan = await create_plan(person)
        empty = await register(person, plan["id"], "person")  # registered, never written
        phone = await WirePeer.connect(person.sync_url(first.url), "phone")
        doc = new_plan_document("everyone")
        add_item(doc, "coping", "music")
        await upload(phone, plan["documentId"], doc)
        await phone.close()
        email = person.account["email"]
        await person.close()

    async with live_server(settings, open_access=False) as second:
        again = await sign_in(second.base_url, email)
        export = await again.ok("GET", f"/api/plans/{plan['id']}/export")
        in_memory = len(second.hub.documents)
        await again.close()

    documents = {d["documentId"]: d for d in export["documents"]}
    loaded = LiveDocument.load(base64.b64decode(documents[plan["documentId"]]["automerge"]))
    assert loaded.heads == list(doc.get_heads())
    assert documents[plan["documentId"]]["content"]["sections"]["coping"][0]["text"] == "music"
    assert documents[empty] == {
        "documentId": empty,
        "audience": "person",
        "heads": [],
        "content": None,
        "automerge": None,
        "changes": [],
    }
    assert in_memory == 0  # exporting did not load the documents into the sync registry


async def test_only_the_person_exports_and_strangers_learn_nothing(
    users: dict[str, ApiUser],
) -> None:
    person, carer, clinician, stranger = (
        users[n] for n in ("person", "carer", "clinician", "stranger")
    )
    plan = await create_plan(person)
    await join(person, carer, plan["id"], "carer")
    await join(person, clinician, plan["id"], "clinician")

    by_carer = await carer.call("GET", f"/api/plans/{plan['id']}/export")
    by_clinician = await clinician.call("GET", f"/api/plans/{plan['id']}/export")
    by_stranger = await stranger.call("GET", f"/api/plans/{plan['id']}/export")
    unknown = await stranger.call("GET", "/api/plans/no-such-plan/export")

    assert by_carer.status_code == 403
    assert by_clinician.status_code == 403
    assert by_stranger.status_code == 404
    assert unknown.status_code == 404
    assert by_stranger.json() == unknown.json()


def export_from_another_thread(base_url: str, token: str, plan_id: str) -> httpx.Response:
    # A client of its own: decoding megabytes must not be charged to the server's loop.
    with httpx.Client(base_url=base_url, timeout=60) as http:
        return http.get(
            f"/api/plans/{plan_id}/export", headers={"authorization": f"Bearer {token}"}
        )


async def test_a_large_export_leaves_the_event_loop_to_everyone_else(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    plan = await create_plan(person)
    private = await register(person, plan["id"], "person")
    reasons = new_plan_document("person")
    # Many small objects, as plans have (to_json walks each), in one change: below
    # --snapshot-every, so no snapshot is written meanwhile.
    texts = [base64.b64encode(os.urandom(300)).decode() for _ in range(3000)]
    add_items(reasons, sections("person")[0], texts)
    phone = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    await upload(phone, private, reasons)  # stays connected: the export takes the live copy
    meter = StallMeter()

    start = time.perf_counter()
    exported = await asyncio.to_thread(
        export_from_another_thread, server.base_url, person.token, plan["id"]
    )
    took = time.perf_counter() - start
    await meter.stop()

    assert exported.status_code == 200
    # Before: save(), load() and to_json() ran on the loop, stalling it for nearly all of
    # `took`; now the loop waits only for load() (the binding holds the GIL) and encoding.
    assert meter.worst < took / 2, f"loop stalled {meter.worst:.3f} s of {took:.3f} s"
    await phone.close()
