"""Deleting one's own account: a person's plans go with everything in them; a member's
contributions to someone else's plan stay, by a former member. Checked in the SQLite file."""

import sqlite3

import httpx
import pytest

from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import add_item, add_proposal, sign_off
from tests.support.live_server import LiveServer
from tests.support.plan_circle import (
    create_plan,
    fetch,
    join,
    new_plan_document,
    register,
    upload,
)
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("person", "carer", "clinician")  # signed up by the `users` fixture

REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")


def query(
    server: LiveServer, sql: str, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
    with sqlite3.connect(server.settings.database_path) as db:
        return db.execute(sql, params).fetchall()


# Rows of the compact change log (migration 0008) that no longer belong to a stored document,
# or an origin no change refers to: erasure must leave none (the `changes` view hides them).
LEFT_BEHIND = (
    "SELECT (SELECT COUNT(*) FROM change_log WHERE doc NOT IN (SELECT id FROM documents)),"
    " (SELECT COUNT(*) FROM change_bytes WHERE doc NOT IN (SELECT id FROM documents)),"
    " (SELECT COUNT(*) FROM change_origins WHERE id NOT IN (SELECT origin FROM change_log)),"
    " (SELECT COUNT(*) FROM change_log)"
)


def rows_naming(server: LiveServer, column: str, values: list[str]) -> dict[str, int]:
    """How many rows of each table (or view: `changes`) with `column` name one of `values`."""
    tables = query(
        server,
        "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
        " WHERE m.type IN ('table', 'view') AND c.name = ?",
        (column,),
    )
    marks = ",".join("?" * len(values))
    counts: dict[str, int] = {}
    for (table,) in tables:
        sql = f"SELECT COUNT(*) FROM {table} WHERE {column} IN ({marks})"  # noqa: S608
        [(count,)] = query(server, sql, tuple(values))
        if count:
            counts[str(table)] = int(str(count))
    return counts


async def delete_account(user: ApiUser, password: str = PASSWORD) -> httpx.Response:
    return await user.call("DELETE", "/api/accounts/me", json={"password": password})


async def sign_in(server: LiveServer, email: str) -> int:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.post("/api/session", json={"email": email, "password": PASSWORD})
    return response.status_code


async def test_a_person_deleting_their_account_deletes_their_plan_with_everything_in_it(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    plan = await create_plan(person)
    await join(person, carer, plan["id"], "carer")
    await join(person, clinician, plan["id"], "clinician")
    await person.ok("POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": "viewer"})
    shared, private = plan["documentId"], await register(person, plan["id"], "person")
    notes = await register(carer, plan["id"], f"carer:{carer.id}")
    phone = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    doc = new_plan_document("everyone")
    add_item(doc, "coping", "a walk by the river")
    await upload(phone, shared, doc)
    await upload(phone, private, new_plan_document("person"))
    carer_phone = await WirePeer.connect(carer.sync_url(server.url), "carer-phone")
    add_proposal(await fetch(carer_phone, shared), "warning-signs", "stops answering")
    await carer_phone.sync(shared)
    carer_notes = await WirePeer.connect(carer.sync_url(server.url), "carer-notes")
    await upload(carer_notes, notes, new_plan_document(f"carer:{carer.id}"))
    await carer_notes.close()
    await person.ok("GET", f"/api/plans/{plan['id']}/export")
    documents = [shared, private, notes]
    actors = [phone.doc(shared).get_actor(), carer_phone.doc(shared).get_actor()]
    assert rows_naming(server, "doc_id", documents)["changes"] == 5

    response = await delete_account(person)

    assert response.status_code == 204
    assert 'sp_session=""' in response.headers["set-cookie"]
    assert rows_naming(server, "doc_id", documents) == {}
    assert rows_naming(server, "plan_id", [plan["id"]]) == {}
    assert query(server, LEFT_BEHIND) == [(0, 0, 0, 0)]
    assert query(server, "SELECT COUNT(*) FROM plans") == [(0,)]
    assert query(server, "SELECT COUNT(*) FROM actors WHERE actor IN (?, ?)", tuple(actors)) == [
        (0,)
    ]
    assert query(server, "SELECT plan_id, by_account, action, subject, detail FROM audit_log") == [
        (
            None,
            person.id,
            "delete-account",
            person.id,
            "plans=1 documents=3 changes=5 memberships=0",
        )
    ]
    assert query(
        server,
        "SELECT email, display_name, password_hash, deleted_at_ms IS NOT NULL FROM accounts"
        " WHERE id = ?",
        (person.id,),
    ) == [(f"deleted:{person.id}", "", "", 1)]
    assert query(server, "SELECT COUNT(*) FROM sessions WHERE account_id = ?", (person.id,)) == [
        (0,)
    ]
    assert query(server, "SELECT COUNT(*) FROM tokens WHERE account_id = ?", (person.id,)) == [(0,)]
    # Nothing of the plan is served from memory, and the carer's open socket has left it.
    assert all(server.hub.documents.peek(d) is None for d in documents)  # type: ignore[arg-type]
    # The carer's open socket was told the plan is gone (decision 27), and stays open.
    notice = await carer_phone.recv()
    assert (notice["type"], notice["reason"], notice["documentId"]) == (
        "error",
        "document-deleted",
        shared,
    )
    await carer_phone.send_sync(shared, REQUEST_PAYLOAD, "request")
    after = await carer_phone.recv()
    assert (after["type"], after["documentId"]) == ("doc-unavailable", shared)
    assert await carer.ok("GET", "/api/plans") == []
    # The person's own sockets are closed and every credential is dead.
    code, messages = await phone.closed()
    assert code == 4401
    assert (messages[-1]["message"], messages[-1]["reason"]) == (
        "this account was deleted",
        "account-deleted",
    )
    assert (await person.call("GET", "/api/me")).status_code == 401
    assert (await sign_in(server, person.account["email"])) == 401
    await carer_phone.close()


async def test_the_email_of_a_deleted_account_can_be_used_again(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    await delete_account(person)

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        again = await http.post(
            "/api/accounts",
            json={"email": person.account["email"], "password": PASSWORD, "displayName": "New"},
        )

    assert again.status_code == 201
    assert again.json()["id"] != person.id


async def test_a_wrong_password_deletes_nothing_and_is_throttled(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    plan = await create_plan(person)
    phone = await WirePeer.connect(person.sync_url(server.url), "phone")
    await upload(phone, plan["documentId"], new_plan_document("everyone"))

    statuses = [(await delete_account(person, "not the password")).status_code for _ in range(6)]

    assert statuses == [403] * 5 + [429]
    assert (await delete_account(person)).status_code == 429  # the right one is throttled too
    assert [p["id"] for p in await person.ok("GET", "/api/plans")] == [plan["id"]]
    assert rows_naming(server, "doc_id", [plan["documentId"]])["changes"] == 1
    assert query(server, "SELECT deleted_at_ms FROM accounts WHERE id = ?", (person.id,)) == [
        (None,)
    ]
    add_item(phone.doc(plan["documentId"]), "coping", "still here")
    await phone.sync(plan["documentId"])  # the socket still works
    assert rows_naming(server, "doc_id", [plan["documentId"]])["changes"] == 2
    await phone.close()


async def test_a_carer_deleting_their_account_leaves_the_plan_with_their_changes_by_a_former_carer(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer, clinician = users["person"], users["carer"], users["clinician"]
    plan = await create_plan(person)
    await join(person, carer, plan["id"], "carer")
    await join(person, clinician, plan["id"], "clinician")
    shared = plan["documentId"]
    notes = await register(carer, plan["id"], f"carer:{carer.id}")
    phone = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    await upload(phone, shared, new_plan_document("everyone"))
    carer_phone = await WirePeer.connect(carer.sync_url(server.url), "carer-phone")
    carers_copy = await fetch(carer_phone, shared)
    add_item(carers_copy, "safer", "the tablets are locked away")
    await carer_phone.sync(shared)
    notes_doc = new_plan_document(f"carer:{carer.id}")
    add_item(notes_doc, "carer-notes", "call the crisis line first")
    await upload(carer_phone, notes, notes_doc)
    carer_actor = carers_copy.get_actor()

    response = await delete_account(carer)

    assert response.status_code == 204
    code, _ = await carer_phone.closed()
    assert code == 4401
    assert [p["id"] for p in await person.ok("GET", "/api/plans")] == [plan["id"]]
    members = await person.ok("GET", f"/api/plans/{plan['id']}/members")
    assert {m["role"] for m in members} == {"person", "clinician"}
    changes = await person.ok("GET", f"/api/plans/{plan['id']}/changes")
    assert [(c["userId"], c["displayName"], c["role"]) for c in changes] == [
        (person.id, "person", "person"),
        (carer.id, None, "carer"),
    ]
    export = await person.ok("GET", f"/api/plans/{plan['id']}/export")
    [everyone] = export["documents"]
    assert everyone["content"]["sections"]["safer"][0]["text"] == "the tablets are locked away"
    assert everyone["changes"][1]["displayName"] is None
    assert everyone["changes"][1]["userId"] == carer.id
    # The carer's notes stay in the plan for its clinicians (as after a revocation).
    documents = await clinician.ok("GET", f"/api/plans/{plan['id']}/documents")
    assert notes in {d["documentId"] for d in documents}
    clinician_phone = await WirePeer.connect(clinician.sync_url(server.url), "clinician")
    notes_copy = await fetch(clinician_phone, notes)
    assert notes_copy.get_heads() == notes_doc.get_heads()
    # The carer's actor stays bound to the deleted account: nobody can write as them.
    assert query(server, "SELECT account_id FROM actors WHERE actor = ?", (carer_actor,)) == [
        (carer.id,)
    ]
    assert query(
        server,
        "SELECT action, subject FROM audit_log WHERE plan_id = ? AND by_account = ?",
        (plan["id"], carer.id),
    )[-1] == ("leave", carer.id)
    assert (await sign_in(server, carer.account["email"])) == 401
    await phone.close()
    await clinician_phone.close()


async def test_a_person_who_is_also_a_carer_elsewhere_keeps_their_changes_there(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer = users["person"], users["carer"]
    own = await create_plan(person)
    others = await create_plan(carer, "Sam's plan")
    await join(carer, person, others["id"], "carer")
    phone = await WirePeer.connect(person.sync_url(server.url), "phone")
    await upload(phone, own["documentId"], new_plan_document("everyone"))
    sams_phone = await WirePeer.connect(carer.sync_url(server.url), "sam")
    await upload(sams_phone, others["documentId"], new_plan_document("everyone"))
    add_proposal(await fetch(phone, others["documentId"]), "coping", "a film night")
    await phone.sync(others["documentId"])
    actor_elsewhere = phone.doc(others["documentId"]).get_actor()

    assert (await delete_account(person)).status_code == 204

    assert query(server, "SELECT id FROM plans") == [(others["id"],)]
    changes = await carer.ok("GET", f"/api/plans/{others['id']}/changes")
    assert [(c["userId"], c["displayName"]) for c in changes] == [
        (carer.id, "carer"),
        (person.id, None),
    ]
    assert query(server, "SELECT account_id FROM actors WHERE actor = ?", (actor_elsewhere,)) == [
        (person.id,)
    ]
    await sams_phone.close()


async def test_a_departed_clinicians_sign_off_stays_by_a_former_clinician(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, clinician = users["person"], users["clinician"]
    plan = await create_plan(person)
    await join(person, clinician, plan["id"], "clinician")
    shared = plan["documentId"]
    phone = await WirePeer.connect(person.sync_url(server.url), "person-phone")
    await upload(phone, shared, new_plan_document("everyone"))
    clinician_phone = await WirePeer.connect(clinician.sync_url(server.url), "clinician")
    copy = await fetch(clinician_phone, shared)
    review_id = sign_off(copy, {shared: list(copy.get_heads())}, "Discussed with Alex")
    await clinician_phone.sync(shared)

    assert (await delete_account(clinician)).status_code == 204

    [review] = await person.ok("GET", f"/api/plans/{plan['id']}/reviews")
    assert (review["id"], review["note"]) == (review_id, "Discussed with Alex")
    assert (review["reviewerId"], review["reviewerName"]) == (clinician.id, None)
    await phone.close()
