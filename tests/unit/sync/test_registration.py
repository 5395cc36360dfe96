"""A document registered (a new plan, a member who joined) while a phone's access check is
on its way back: the phone is served, not left waiting for a registration that has passed.

The phone's client syncs a new plan's documents the moment it makes them, before its
`POST /api/plans` has registered them, so its first check finds nothing; the hub keeps it
waiting (`_waiting`) and `document_registered` serves it. A check that read the policy
before the registration and answers after it must not park the phone behind it.
"""

import asyncio

from server.auth.policy import Access, Grant
from server.ids import DocumentId
from server.storage.memory import MemoryDocumentStore
from server.sync.hub import SyncHub
from tests.support.automerge_docs import document_with, new_document_id
from tests.support.hub_peer import Peer, SwitchablePolicy, hub_on


async def checked_late(
    policy: SwitchablePolicy,
) -> tuple[SyncHub, Peer, DocumentId, asyncio.Task[None]]:
    """Pat's phone, whose first message for a new document has had its access read (nothing
    yet), the answer held back until the test sets `policy.answering`."""
    hub = hub_on(MemoryDocumentStore(), policy=policy)
    doc_id = DocumentId(new_document_id())
    phone = Peer(hub, "phone", document_with({"a": "1"}), account="pat")
    assert (await phone.next_frame())["type"] == "peer"
    policy.answering.clear()
    first = asyncio.create_task(phone.send_sync(doc_id))
    await asyncio.wait_for(policy.asked.wait(), 5)
    return hub, phone, doc_id, first


async def test_a_document_registered_while_the_phones_check_is_answered_is_served() -> None:
    policy = SwitchablePolicy()
    hub, phone, doc_id, first = await checked_late(policy)

    policy.grants["pat"] = Grant(Access.WRITE, "person")
    await hub.document_registered(doc_id)  # nobody waits yet: the check is still out
    policy.answering.set()
    await first

    answer = await phone.next_frame()
    assert answer["type"] == "sync", answer  # not "doc-unavailable", then nothing
    phone.apply(answer)
    await phone.upload(doc_id)
    state = hub.documents.peek(doc_id)
    assert state is not None
    await state.durable()
    assert state.doc is not None
    assert state.doc.heads == phone.doc.get_heads()
    await phone.close()
    await hub.documents.drain()


async def test_a_phone_not_allowed_is_still_told_so_when_another_document_is_registered() -> None:
    policy = SwitchablePolicy()
    hub, phone, _, first = await checked_late(policy)

    await hub.document_registered(DocumentId(new_document_id()))  # someone else's plan
    policy.answering.set()
    await first

    assert (await phone.next_frame())["type"] == "doc-unavailable"
    await phone.close()
