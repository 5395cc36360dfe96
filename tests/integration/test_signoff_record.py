"""A sign-off is a record: once stored, no one changes or removes it, the person included.

Through the real server (uvicorn, SQLite, the sync socket): a clinician signs off, then each
member of the plan, from a fresh device, tries every way of touching the signed-off
review-log item. Each attempt is refused like any other refused change (an `error`, the socket
closed with 1002), nothing of it is stored, and the sign-off reads as it was written.
Corrections are a new review.
"""

from collections.abc import Callable
from typing import Any

import pytest
from automerge.core import Document, ObjType, ScalarType

from tests.support.api import ApiUser
from tests.support.automerge_docs import (
    edit_item,
    index_of,
    new_item,
    object_at,
    plan_document,
    remove_item,
    sign_off,
)
from tests.support.live_server import LiveServer
from tests.support.plan_circle import create_plan, fetch, join, sections, upload
from tests.support.stored_rows import stored_rows
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials

LOG = ("sections", "review-log")
SIGNED = "a sign-off is never changed or removed once stored"


def _text(tx: Any, obj: bytes, key: str, value: str) -> None:
    tx.splice_text(tx.put_object(obj, key, ObjType.Text), 0, 0, value)


def _item(doc: Document, review: str) -> tuple[bytes, int]:
    index = index_of(doc, LOG, review)
    return object_at(doc, (*LOG, index)), index


def edit_note(doc: Document, review: str) -> None:
    edit_item(doc, "review-log", review, splice=(0, 0, "not "))


def remove(doc: Document, review: str) -> None:
    remove_item(doc, "review-log", review)


def restamp_edit(doc: Document, review: str) -> None:
    item, _ = _item(doc, review)
    with doc.transaction() as tx:
        tx.put(tx.put_object(item, "edit", ObjType.Map), "at", ScalarType.Int, 5)


def change_at(doc: Document, review: str) -> None:
    signoff = object_at(doc, (*LOG, index_of(doc, LOG, review), "signoff"))
    with doc.transaction() as tx:
        tx.put(signoff, "at", ScalarType.Int, 1_800_000_000_000)


def postpone(doc: Document, review: str) -> None:
    signoff = object_at(doc, (*LOG, index_of(doc, LOG, review), "signoff"))
    with doc.transaction() as tx:
        _text(tx, signoff, "nextReview", "2030-01-01")


def change_heads(doc: Document, review: str) -> None:
    heads = object_at(doc, (*LOG, index_of(doc, LOG, review), "signoff", "heads"))
    with doc.transaction() as tx:
        tx.delete(heads, tx.keys(heads)[0])


def drop_signoff(doc: Document, review: str) -> None:
    item, _ = _item(doc, review)
    with doc.transaction() as tx:
        tx.delete(item, "signoff")


def delete_item(doc: Document, review: str) -> None:
    _, index = _item(doc, review)
    listed = object_at(doc, LOG)
    with doc.transaction() as tx:
        tx.delete(listed, index)


def replace_item(doc: Document, review: str) -> None:
    _, index = _item(doc, review)
    listed = object_at(doc, LOG)
    with doc.transaction() as tx:
        item = tx.put_object(listed, index, ObjType.Map)
        _text(tx, item, "id", review)
        _text(tx, item, "text", "a better review")
        tx.put(item, "made", ScalarType.Int, 1)
        tx.put(tx.put_object(item, "edit", ObjType.Map), "at", ScalarType.Int, 1)


# (name, tampering, inside the item: refused by the sign-off rule for those who may write there)
TAMPERINGS: list[tuple[str, Callable[[Document, str], None], bool]] = [
    ("edit the note", edit_note, True),
    ("remove the item", remove, True),
    ("restamp its edit", restamp_edit, True),
    ("change signoff.at", change_at, True),
    ("postpone signoff.nextReview", postpone, True),
    ("change signoff.heads", change_heads, True),
    ("delete the signoff", drop_signoff, True),
    ("delete the item from the list", delete_item, False),
    ("replace the item in the list", replace_item, False),
]


def stored_count(server: LiveServer, doc_id: str) -> int:
    [(count,)] = stored_rows(
        server.settings, "SELECT COUNT(*) FROM changes WHERE doc_id = ?", (doc_id,)
    )
    return int(count)


def signed_item(doc: Document, review: str) -> dict[str, object]:
    item, _ = _item(doc, review)
    signoff = object_at(doc, (*LOG, index_of(doc, LOG, review), "signoff"))
    text = doc.get(item, "text")
    at = doc.get(signoff, "at")
    return {
        "text": None if text is None else doc.text(text[1]),
        "removed": doc.get(item, "removed") is not None,
        "at": None if at is None else at[0],
        "keys": sorted(doc.keys(signoff)),
    }


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("who", "server_database"),
    [
        *((who, "sqlite") for who in ("person", "signer", "other clinician", "carer", "viewer")),
        ("person", "postgres"),  # the same refusals, nothing stored, on PostgreSQL
    ],
    indirect=["server_database"],
)
async def test_no_one_changes_or_removes_a_stored_sign_off(server: LiveServer, who: str) -> None:
    person = await ApiUser.sign_up(server.base_url, "person")
    signer = await ApiUser.sign_up(server.base_url, "Dr Lee")
    plan = await create_plan(person)
    await join(person, signer, plan["id"], "clinician")
    members = {"person": person, "signer": signer}
    role = {"other clinician": "clinician", "carer": "carer", "viewer": "viewer"}.get(who)
    if role is not None:
        members[who] = await ApiUser.sign_up(server.base_url, who)
        await join(person, members[who], plan["id"], role)
    doc_id = plan["documentId"]
    owner = await WirePeer.connect(person.sync_url(server.url), "owner")
    await upload(owner, doc_id, plan_document("everyone", sections("everyone")))
    new_item(owner.doc(doc_id), "coping", "a walk")
    await owner.sync(doc_id)
    await owner.close()
    clinician = await WirePeer.connect(signer.sync_url(server.url), "clinician")
    doc = await fetch(clinician, doc_id)
    review = sign_off(doc, {doc_id: list(doc.get_heads())}, "Seen on Monday")
    await clinician.sync(doc_id)
    await clinician.close()
    stored = stored_count(server, doc_id)
    reviews = await person.ok("GET", f"/api/plans/{plan['id']}/reviews")
    assert [r["id"] for r in reviews] == [review]

    refusals = {}
    for name, tamper, _ in TAMPERINGS:
        device = await WirePeer.connect(members[who].sync_url(server.url))
        copy = await fetch(device, doc_id)
        tamper(copy, review)
        code, messages = await device.push(doc_id)
        assert code == 1002, f"{who}: {name} was not refused"
        assert messages[-1]["type"] == "error", messages
        refusals[name] = messages[-1]["message"]
        assert stored_count(server, doc_id) == stored, f"{who}: {name} was stored"

    if who in ("person", "signer", "other clinician"):
        inside_item = {name: SIGNED for name, _, inside in TAMPERINGS if inside}
        assert {k: v for k, v in refusals.items() if k in inside_item} == inside_item
    fresh = await WirePeer.connect(person.sync_url(server.url))
    now = await fetch(fresh, doc_id)
    await fresh.close()
    assert signed_item(now, review) == {
        "text": "Seen on Monday",
        "removed": False,
        "at": (ScalarType.Int, 1_790_000_000_000),
        "keys": ["at", "heads"],
    }
    assert await person.ok("GET", f"/api/plans/{plan['id']}/reviews") == reviews
    for user in members.values():
        await user.close()
