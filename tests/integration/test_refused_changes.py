"""A refused change never stays in a plan: not for other peers, not after a restart or a kill.

The reproduction of hardening issue #9.1: the person and a carer take turns appending to
"safer" (both may write there), then the carer writes in "warning-signs" (the person's alone).
The server used to undo the refusal with the binding's `fork_at`, which panics on such
histories, so the forbidden item stayed in memory, reached fresh viewers and was saved in the
snapshot at shutdown; after a SIGKILL the plan no longer loaded at all.
"""

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from automerge.core import Document, SyncState

from server.plans.template import plan_template
from tests.support.api import ApiUser
from tests.support.automerge_docs import add_item, new_document_id, object_at, plan_document
from tests.support.server_process import ServerHandle, free_port
from tests.support.wire_peer import WirePeer

EVERYONE = [s.id for s in plan_template().sections if s.audience == "everyone"]


@pytest.fixture
async def process(tmp_path: Path) -> AsyncIterator[ServerHandle]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    handle = ServerHandle(free_port(), data_dir, tmp_path / "server.log")
    await handle.start()
    try:
        yield handle
    finally:
        if handle.running:
            await handle.teardown()


def texts(doc: Document, section_id: str) -> list[str]:
    items = object_at(doc, ("sections", section_id))
    found = []
    for index in range(doc.length(items)):
        text = doc.get(object_at(doc, ("sections", section_id, index)), "text")
        assert text is not None
        found.append(doc.text(text[1]))
    return found


async def fresh_copy(user: ApiUser, server: ServerHandle, doc_id: str) -> Document:
    viewer = await WirePeer.connect(user.sync_url(server.url))
    await viewer.receive_until(doc_id, lambda d: "coping" in texts_or_none(d), request=True)
    await viewer.close()
    return viewer.doc(doc_id)


def texts_or_none(doc: Document) -> str:
    """'coping' once the barrier item (the person's last change) has arrived."""
    try:
        return "coping" if texts(doc, "coping") == ["a bath"] else ""
    except AssertionError:
        return ""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_a_refused_change_after_two_authors_took_turns_is_nowhere(
    process: ServerHandle, stop: signal.Signals
) -> None:
    person = await ApiUser.sign_up(process.base_url, "person")
    carer = await ApiUser.sign_up(process.base_url, "carer")
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    invite = await person.ok(
        "POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": "carer"}
    )
    await carer.ok("POST", f"/api/invites/{invite['code']}/accept")
    doc_id = plan["documentId"]
    owner = await WirePeer.connect(person.sync_url(process.url), "owner")
    owner.docs[doc_id] = plan_document("everyone", EVERYONE)
    owner.states[doc_id] = SyncState()
    await owner.sync(doc_id)
    member = await WirePeer.connect(carer.sync_url(process.url), "carer")
    await member.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)
    for turn in range(3):
        add_item(owner.doc(doc_id), "safer", f"person {turn}")
        await owner.sync(doc_id)
        await member.receive_until(doc_id, lambda d, n=turn: len(texts(d, "safer")) == 2 * n + 1)
        add_item(member.doc(doc_id), "safer", f"carer {turn}")
        await member.sync(doc_id)
        await owner.receive_until(doc_id, lambda d, n=turn: len(texts(d, "safer")) == 2 * n + 2)

    add_item(member.doc(doc_id), "warning-signs", "written straight into the person's section")
    await member.sync_once(doc_id)
    code, messages = await member.closed()
    add_item(owner.doc(doc_id), "coping", "a bath")  # a later change still goes through
    await owner.sync(doc_id)
    live = await fresh_copy(person, process, doc_id)
    await owner.close()
    await process.kill(stop)
    await process.restart()
    reloaded = await fresh_copy(person, process, doc_id)

    assert code == 1002
    assert messages[-1]["message"] == "carers may propose, not write, in section warning-signs"
    safer = [f"{who} {turn}" for turn in range(3) for who in ("person", "carer")]
    for copy in (live, reloaded):
        assert texts(copy, "warning-signs") == []
        assert texts(copy, "safer") == safer
        assert texts(copy, "coping") == ["a bath"]
    assert "Traceback" not in process.log_text()
    await person.close()
    await carer.close()
