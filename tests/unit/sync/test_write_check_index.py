"""The hub reads where a message wrote through the document's index; what the index cannot
place (an object the loaded document no longer shows) is read from the diff instead."""

from pathlib import Path

from automerge.core import Document, ObjType, ScalarType

from server.crdt.change_ops import MAX_OPS, decode
from server.errors import ProtocolError
from server.ids import DocumentId
from server.plans.template import plan_template
from server.storage.sqlite import SqliteDocumentStore
from server.sync.hub import SyncHub
from tests.support.automerge_docs import (
    decide_proposal,
    new_document_id,
    new_item,
    new_proposal,
    object_at,
    plan_document,
)
from tests.support.hub_peer import Peer, RolesPolicy, hub_on

EVERYONE = [s.id for s in plan_template().sections if s.audience == "everyone"]
ROLES = {"person": "person", "carer": "carer"}
PERSON, CARER = b"\x01" * 16, b"\x02" * 16


async def sync(hub: SyncHub, account: str, doc: Document, doc_id: DocumentId) -> str | None:
    """Upload `doc` as `account`; the refusal, or None."""
    peer = Peer(hub, f"{account}-peer", doc, account)
    try:
        assert (await peer.next_frame())["type"] == "peer"
        await peer.upload(doc_id)
    except ProtocolError as refused:
        return str(refused)
    finally:
        await peer.close()
    return None


async def test_a_write_into_a_decision_that_lost_a_conflict_is_judged_after_a_reload(
    tmp_path: Path,
) -> None:
    person = plan_document("everyone", EVERYONE, actor=PERSON)
    carer = Document(actor_id=CARER)
    carer.merge(person)
    proposal = new_proposal(carer, "coping", "a walk")
    person.merge(carer)
    decide_proposal(carer, proposal, "withdrawn")
    new_item(person, "coping", "tea")  # the person's later decision wins the conflict
    decide_proposal(person, proposal, "declined")
    person.merge(carer)
    doc_id = new_document_id()
    store = await SqliteDocumentStore.open(tmp_path / "plans.db")
    try:
        hub = hub_on(store, policy=RolesPolicy(ROLES))
        try:
            assert await sync(hub, "person", person, doc_id) is None
        finally:
            await hub.close()
        # Offline all along, the carer writes into their own decision, which the stored
        # document no longer shows; a new hub loads the document and indexes what it shows.
        with carer.transaction() as tx:
            decision = tx.get(object_at(carer, ("proposals", 0)), "decision")
            assert decision is not None
            tx.put(decision[1], "at", ScalarType.Int, 7)
        late = bytes(carer.get_changes([])[-1].hash)
        carer.merge(person)
        hub = hub_on(store, policy=RolesPolicy(ROLES))
        try:
            assert await sync(hub, "carer", carer, doc_id) is None
            state = hub.documents.peek(doc_id)
            assert state is not None
            assert state.doc is not None
            assert late in state.doc.change_hashes()
        finally:
            await hub.close()
    finally:
        await store.close()


async def test_a_change_too_large_to_decode_here_is_vetted_from_the_diff(tmp_path: Path) -> None:
    # A plan uploaded in one change with 101 items of 2,000 characters: over 200,000
    # operations, more than the decoder reads (until this was fixed, it was refused).
    person = plan_document("everyone", EVERYONE, actor=PERSON)
    listed = object_at(person, ("sections", "safer"))
    with person.transaction() as tx:
        for n in range(101):
            item = tx.insert_object(listed, n, ObjType.Map)
            for key, value in (("id", f"item-{n}"), ("text", "x" * 2000)):
                tx.splice_text(tx.put_object(item, key, ObjType.Text), 0, 0, value)
            tx.put(item, "made", ScalarType.Int, 1)
            edit = tx.put_object(item, "edit", ObjType.Map)
            tx.put(edit, "at", ScalarType.Int, 1)
    assert len(decode(bytes(person.get_changes([])[-1].raw_bytes), 300_000).ops) > MAX_OPS
    carer = Document(actor_id=CARER)
    carer.merge(person)
    new_proposal(carer, "coping", "a walk")
    doc_id = new_document_id()
    store = await SqliteDocumentStore.open(tmp_path / "plans.db")
    hub = hub_on(store, policy=RolesPolicy(ROLES))
    try:
        assert await sync(hub, "person", person, doc_id) is None
        assert await sync(hub, "carer", carer, doc_id) is None  # read from its operations
        state = hub.documents.peek(doc_id)
        assert state is not None
        assert state.doc is not None
        assert state.doc.heads == list(carer.get_heads())
    finally:
        await hub.close()
        await store.close()
