"""Write rules and shape rules on the sync socket: refused with the reason, never stored."""

import sqlite3

import pytest
from automerge.core import SyncState

from server.plans.plan_fields import MAX_TEXT
from server.plans.template import plan_template
from tests.support.api import ApiUser
from tests.support.automerge_docs import (
    add_item,
    add_proposal,
    new_document_id,
    new_item,
    object_at,
    plan_document,
)
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials

EVERYONE = [s.id for s in plan_template().sections if s.audience == "everyone"]


def stored_by(server: LiveServer, doc_id: str) -> list[str]:
    with sqlite3.connect(server.settings.database_path) as db:
        rows = db.execute(
            "SELECT account_id FROM changes WHERE doc_id = ? ORDER BY log_id", (doc_id,)
        ).fetchall()
    return [str(r[0]) for r in rows]


async def test_a_carers_proposal_is_stored_and_their_write_into_the_persons_section_is_not(
    server: LiveServer,
) -> None:
    person = await ApiUser.sign_up(server.base_url, "person")
    carer = await ApiUser.sign_up(server.base_url, "carer")
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    invite = await person.ok(
        "POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": "carer"}
    )
    await carer.ok("POST", f"/api/invites/{invite['code']}/accept")
    doc_id = plan["documentId"]
    owner = await WirePeer.connect(person.sync_url(server.url), "owner")
    owner.docs[doc_id] = plan_document("everyone", EVERYONE)
    owner.states[doc_id] = SyncState()
    await owner.sync(doc_id)
    member = await WirePeer.connect(carer.sync_url(server.url), "carer")
    await member.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)

    add_proposal(member.doc(doc_id), "warning-signs", "stops answering the phone")
    await member.sync(doc_id)
    allowed = stored_by(server, doc_id)
    add_item(member.doc(doc_id), "warning-signs", "written straight into the person's section")
    code, messages = await member.push(doc_id)
    add_item(owner.doc(doc_id), "coping", "a bath")  # barrier: a later change goes through
    await owner.sync(doc_id)

    assert allowed == [person.id, carer.id]
    assert code == 1002
    assert messages[-1]["type"] == "error"
    assert messages[-1]["message"] == "carers may propose, not write, in section warning-signs"
    assert stored_by(server, doc_id) == [person.id, carer.id, person.id]
    person_copy = owner.doc(doc_id)
    assert person_copy.length(object_at(person_copy, ("sections", "warning-signs"))) == 0
    assert person_copy.length(object_at(person_copy, ("proposals",))) == 1
    await owner.close()
    await person.close()
    await carer.close()


async def test_the_persons_own_change_of_the_wrong_shape_is_refused_with_the_reason(
    server: LiveServer,
) -> None:
    person = await ApiUser.sign_up(server.base_url, "person")
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    doc_id = plan["documentId"]
    phone = await WirePeer.connect(person.sync_url(server.url), "phone")
    phone.docs[doc_id] = plan_document("everyone", EVERYONE)
    phone.states[doc_id] = SyncState()
    await phone.sync(doc_id)

    new_item(phone.doc(doc_id), "coping", "x" * (MAX_TEXT + 1))
    code, messages = await phone.push(doc_id)

    assert code == 1002
    assert messages[-1]["type"] == "error"
    assert messages[-1]["message"] == "text is at most 2,000 characters"
    assert stored_by(server, doc_id) == [person.id]
    await person.close()
