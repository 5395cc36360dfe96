"""Property: a refusal at any point of any multi-author history leaves no trace and loses nothing.

Random histories (seeded, reproducible: the seed is in the test id) of a person and two carers
editing one plan document concurrently, each uploading over its own connection to a hub on a
real SQLite file, with snapshots every few changes. Carers now and then write where only the
person may (a refusal). After every step the live document must hold every accepted item and
no refused one; at the end the stored document must load again, with the same heads.
"""

import random
from pathlib import Path

import pytest
from automerge.core import Document

from server.crdt.engine import LiveDocument
from server.errors import ProtocolError
from server.ids import DocumentId
from server.plans.template import plan_template
from server.storage.sqlite import SqliteDocumentStore
from server.sync.hub import SyncHub
from server.sync.messages import SyncMessage
from tests.support.automerge_docs import add_item, item_texts, new_document_id, plan_document
from tests.support.hub_peer import Peer, RolesPolicy, hub_on

EVERYONE = [s.id for s in plan_template().sections if s.audience == "everyone"]
ROLES = {"person": "person", "carer-a": "carer", "carer-b": "carer"}
SEEDS = range(40)
STEPS = 30


def every_text(doc: Document) -> set[str]:
    return {text for section_id in EVERYONE for text in item_texts(doc, section_id)}


class Writer:
    def __init__(self, account: str, doc: Document) -> None:
        self.account = account
        self.doc = doc
        self.unsent: set[str] = set()
        self.forbidden = False
        self.uploads = 0


async def upload(hub: SyncHub, writer: Writer, doc_id: DocumentId) -> str | None:
    """Sync the writer's document over a new connection; the refusal's reason, or None.

    Accepted, the server must hold everything the writer has: until it was fixed, about one
    history in a hundred left changes waiting for a dependency in the live document (after
    a bloom-filter false positive), and the server then fell silent to the writer.
    """
    reason = await _exchange(hub, writer, doc_id)
    if reason is None:
        assert not _ahead_of(hub, writer.doc, doc_id), f"{writer.account}'s changes are missing"
    return reason


async def _exchange(hub: SyncHub, writer: Writer, doc_id: DocumentId) -> str | None:
    writer.uploads += 1
    peer = Peer(hub, f"{writer.account}-{writer.uploads}", writer.doc, writer.account)
    try:
        assert (await peer.next_frame())["type"] == "peer"
        while (message := peer.doc.generate_sync_message(peer.state)) is not None:
            data = bytes(message.encode())
            await hub.handle(
                peer.connection, SyncMessage(sender_id=peer.name, document_id=doc_id, data=data)
            )
            state = hub.documents.peek(doc_id)
            if state is not None:
                await state.durable()  # the reply, if any, is queued once this returns
            if peer.connection.queued_bytes == 0 and len(peer.transport.frames) <= peer.seen:
                break  # the server had nothing more to say
            peer.apply(await peer.next_frame())
    except ProtocolError as refused:
        return str(refused)
    finally:
        await peer.close()
    return None


def _ahead_of(hub: SyncHub, doc: Document, doc_id: DocumentId) -> bool:
    known = live(hub, doc_id).change_hashes()
    return any(bytes(h) not in known for h in doc.get_heads())


def live(hub: SyncHub, doc_id: DocumentId) -> LiveDocument:
    state = hub.documents.peek(doc_id)
    assert state is not None
    assert state.doc is not None
    return state.doc


def server_copy(hub: SyncHub, doc_id: DocumentId) -> Document:
    return Document.load(live(hub, doc_id).save())


@pytest.mark.parametrize("seed", SEEDS)
async def test_refusals_anywhere_in_random_histories_leave_no_trace(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    store = await SqliteDocumentStore.open(tmp_path / "plans.db")
    hub = hub_on(store, policy=RolesPolicy(ROLES), snapshot_every=rng.choice([2, 3, 5, 1000]))
    doc_id = new_document_id()
    try:
        accepted, refused, heads = await _random_history(hub, rng, seed, doc_id)
    finally:  # also when a step fails or is reported as xfail: no connection left open
        await hub.close()
        await store.close()
    reopened = await SqliteDocumentStore.open(tmp_path / "plans.db")
    try:
        stored = await reopened.load(doc_id)
    finally:
        await reopened.close()

    assert stored is not None
    reloaded = LiveDocument.load(stored.data)
    assert reloaded.heads == heads
    content = every_text(Document.load(reloaded.save()))
    assert accepted <= content
    assert not content & refused


async def _random_history(
    hub: SyncHub, rng: random.Random, seed: int, doc_id: DocumentId
) -> tuple[set[str], set[str], list[bytes]]:
    """Random writes, merges, uploads and refusals; what was accepted, refused, the heads."""
    person = Writer("person", plan_document("everyone", EVERYONE))
    assert await upload(hub, person, doc_id) is None
    writers = [person] + [Writer(a, server_copy(hub, doc_id)) for a in ("carer-a", "carer-b")]
    accepted: set[str] = set()
    refused: set[str] = set()

    for step in range(STEPS):
        writer = rng.choice(writers)
        action = rng.random()
        if action < 0.45:
            section_id = rng.choice(["safer", "coping"] if writer is not person else EVERYONE)
            if writer is not person and section_id == "coping":
                section_id = "safer"
            text = f"{writer.account} {step}"
            add_item(writer.doc, section_id, text)
            writer.unsent.add(text)
        elif action < 0.55 and writer is not person:
            text = f"forbidden {writer.account} {step}"
            add_item(writer.doc, "warning-signs", text)
            writer.unsent.add(text)
            writer.forbidden = True
        elif action < 0.75:
            writer.doc.merge(server_copy(hub, doc_id))  # what the server relays to them
        else:
            reason = await upload(hub, writer, doc_id)
            assert (reason is not None) == writer.forbidden, (seed, step, reason)
            if reason is None:
                accepted |= writer.unsent
            else:
                refused |= writer.unsent
                writer.doc = server_copy(hub, doc_id)  # the app starts again from the server
                writer.forbidden = False
            writer.unsent = set()
        now = every_text(server_copy(hub, doc_id))
        assert accepted <= now, (seed, step, accepted - now)
        assert not now & refused, (seed, step, now & refused)
        assert not any(t.startswith("forbidden") for t in now), (seed, step)

    carer = writers[1]  # and always one refusal last, on whatever history came before
    add_item(carer.doc, "warning-signs", "forbidden at the end")
    refused.add("forbidden at the end")
    assert await upload(hub, carer, doc_id) is not None
    return accepted, refused, list(live(hub, doc_id).heads)
