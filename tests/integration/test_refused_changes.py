"""A refused change never stays in a plan: not for other peers, not after a restart or a kill.

The reproduction of hardening issue #9.1: the person and a carer take turns appending to "safer"
(both may write there), then the carer writes in "warning-signs" (the person's alone). The
server used to undo the refusal with the binding's `fork_at`, which panics on such histories,
so the forbidden item stayed in memory, reached fresh viewers and was saved in the snapshot at
shutdown; after a SIGKILL the plan no longer loaded at all.
"""

import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from automerge.core import Document

from tests.support.api import ApiUser
from tests.support.automerge_docs import add_item, item_texts, plan_document
from tests.support.plan_circle import create_plan, fetch, join, sections, upload
from tests.support.server_process import ServerHandle, running_server
from tests.support.wire_peer import WirePeer


@pytest.fixture
async def process(tmp_path: Path) -> AsyncIterator[ServerHandle]:
    async with running_server(tmp_path) as handle:
        yield handle


async def fresh_copy(user: ApiUser, server: ServerHandle, doc_id: str) -> Document:
    """What a new device of `user` gets, once the person's last item ("a bath") is in it."""
    viewer = await WirePeer.connect(user.sync_url(server.url))
    await viewer.receive_until(doc_id, has_the_bath, request=True)
    await viewer.close()
    return viewer.doc(doc_id)


def has_the_bath(doc: Document) -> bool:
    return bool(doc.get_heads()) and item_texts(doc, "coping") == ["a bath"]


def safer_count(count: int) -> Callable[[Document], bool]:
    return lambda doc: bool(doc.get_heads()) and len(item_texts(doc, "safer")) == count


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_a_refused_change_after_two_authors_took_turns_is_nowhere(
    process: ServerHandle, stop: signal.Signals
) -> None:
    person = await ApiUser.sign_up(process.base_url, "person")
    carer = await ApiUser.sign_up(process.base_url, "carer")
    plan = await create_plan(person)
    await join(person, carer, plan["id"], "carer")
    doc_id = plan["documentId"]
    owner = await WirePeer.connect(person.sync_url(process.url), "owner")
    await upload(owner, doc_id, plan_document("everyone", sections("everyone")))
    member = await WirePeer.connect(carer.sync_url(process.url), "carer")
    await fetch(member, doc_id)
    for turn in range(3):
        add_item(owner.doc(doc_id), "safer", f"person {turn}")
        await owner.sync(doc_id)
        await member.receive_until(doc_id, safer_count(2 * turn + 1))
        add_item(member.doc(doc_id), "safer", f"carer {turn}")
        await member.sync(doc_id)
        await owner.receive_until(doc_id, safer_count(2 * turn + 2))

    add_item(member.doc(doc_id), "warning-signs", "written straight into the person's section")
    code, messages = await member.push(doc_id)
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
        assert item_texts(copy, "warning-signs") == []
        assert item_texts(copy, "safer") == safer
        assert item_texts(copy, "coping") == ["a bath"]
    assert "Traceback" not in process.log_text()
    await person.close()
    await carer.close()
