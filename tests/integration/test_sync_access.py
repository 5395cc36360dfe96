"""Access control on the sync socket: credentials, audiences, attribution, revocation.

Each test checks both that nothing leaked (what the other socket received) and that nothing
was stored (the SQLite file itself).
"""

import logging
import sqlite3

import pytest
from automerge.core import Document

from tests.support.api import ApiUser
from tests.support.automerge_docs import new_document_id, put_note, read_note
from tests.support.live_server import LiveServer
from tests.support.wire_peer import WirePeer

pytestmark = pytest.mark.accounts  # conftest: the server requires credentials
USERS = ("person", "carer", "other")  # signed up by the `users` fixture

REQUEST_PAYLOAD = bytes.fromhex("42000001000000020284")


def stored(server: LiveServer, doc_id: str) -> list[tuple[str, bytes]]:
    with sqlite3.connect(server.settings.database_path) as db:
        rows = db.execute(
            "SELECT account_id, actor FROM changes WHERE doc_id = ? ORDER BY log_id", (doc_id,)
        ).fetchall()
    return [(str(r[0]), bytes(r[1])) for r in rows]


async def shared_plan(person: ApiUser, member: ApiUser, role: str) -> dict[str, str]:
    plan: dict[str, str] = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "Plan"}
    )
    invite = await person.ok("POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": role})
    await member.ok("POST", f"/api/invites/{invite['code']}/accept")
    return plan


async def plan_in_sync(
    server: LiveServer, person: ApiUser, member: ApiUser, role: str
) -> tuple[dict[str, str], WirePeer, WirePeer]:
    """A plan shared with `member`: the person wrote a note a=1, the member's socket has it."""
    plan = await shared_plan(person, member, role)
    doc_id = plan["documentId"]
    owner = await WirePeer.connect(person.sync_url(server.url), "owner")
    put_note(owner.doc(doc_id), "a", "1")
    await owner.sync(doc_id)
    peer = await WirePeer.connect(member.sync_url(server.url), role)
    await peer.receive_until(doc_id, lambda d: read_note(d, "a") == "1", request=True)
    return plan, owner, peer


@pytest.mark.parametrize("query", ["", "?token=spt_not-a-token"])
async def test_a_socket_without_a_valid_credential_is_told_and_closed(
    server: LiveServer, query: str
) -> None:
    peer = await WirePeer.connect(server.url + query, join=False)

    code, messages = await peer.closed()

    assert code == 4401
    assert [m["type"] for m in messages] == ["error"]
    assert "authentication required" in messages[0]["message"]


async def test_a_cookie_from_another_origin_is_refused(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    cookie = users["person"].http.cookies["sp_session"]
    headers = {"cookie": f"sp_session={cookie}"}
    evil = await WirePeer.connect(
        server.url, join=False, headers={**headers, "origin": "http://evil.example"}
    )
    own = await WirePeer.connect(server.url, headers={**headers, "origin": server.base_url})

    code, _ = await evil.closed()

    assert code == 4401
    assert own.server_id
    await own.close()


async def test_a_stranger_who_knows_the_id_learns_nothing(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, other = users["person"], users["other"]
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "P"}
    )
    doc_id = plan["documentId"]
    owner = await WirePeer.connect(person.sync_url(server.url), "owner")
    put_note(owner.doc(doc_id), "secret", "x")
    await owner.sync(doc_id)
    stranger = await WirePeer.connect(other.sync_url(server.url), "stranger")

    await stranger.send_sync(doc_id, REQUEST_PAYLOAD, "request")
    reply = await stranger.recv()
    put_note(stranger.doc(doc_id), "vandal", "y")
    await stranger.send_sync(
        doc_id, bytes(stranger.doc(doc_id).generate_sync_message(stranger.states[doc_id]).encode())
    )  # type: ignore[union-attr]
    second = await stranger.recv()

    assert reply["type"] == second["type"] == "doc-unavailable"
    assert [a for a, _ in stored(server, doc_id)] == [person.id]
    await owner.close()
    await stranger.close()


async def test_an_unregistered_document_is_stored_only_after_registration(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    doc_id = new_document_id()
    phone = await WirePeer.connect(person.sync_url(server.url), "phone")
    put_note(phone.doc(doc_id), "made", "offline")
    first = phone.doc(doc_id).generate_sync_message(phone.states[doc_id])
    assert first is not None

    await phone.send_sync(doc_id, bytes(first.encode()))
    unavailable = await phone.recv()
    nothing_yet = stored(server, doc_id)
    await person.ok("POST", "/api/plans", 201, json={"documentId": doc_id, "title": "Offline"})
    await phone.receive_until(doc_id, lambda _: bool(stored(server, doc_id)))

    assert unavailable["type"] == "doc-unavailable"
    assert nothing_yet == []
    assert stored(server, doc_id) == [(person.id, phone.doc(doc_id).get_actor())]
    await phone.close()


async def test_a_forged_actor_is_refused_and_never_relayed(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    plan, owner, forger = await plan_in_sync(server, users["person"], users["carer"], "carer")
    doc_id = plan["documentId"]
    victim_actor = owner.doc(doc_id).get_actor()
    forged = Document.load(forger.doc(doc_id).save())
    forged.set_actor(victim_actor)
    put_note(forged, "a", "written by 'person'")
    forger.docs[doc_id] = forged

    code, messages = await forger.push(doc_id)
    put_note(owner.doc(doc_id), "b", "2")
    await owner.sync(doc_id)

    assert code == 1002
    assert "belongs to another account" in messages[-1]["message"]
    assert read_note(owner.doc(doc_id), "a") == "1"
    assert [a for a, _ in stored(server, doc_id)] == [users["person"].id] * 2
    await owner.close()


async def test_a_viewer_cannot_write(server: LiveServer, users: dict[str, ApiUser]) -> None:
    plan, owner, reader = await plan_in_sync(server, users["person"], users["other"], "viewer")
    doc_id = plan["documentId"]

    put_note(reader.doc(doc_id), "a", "changed by a viewer")
    code, messages = await reader.push(doc_id)

    assert code == 1002
    assert "read-only" in messages[-1]["message"]
    assert [a for a, _ in stored(server, doc_id)] == [users["person"].id]
    await owner.close()


async def test_a_revoked_member_receives_nothing_more(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, carer = users["person"], users["carer"]
    plan, owner, carer_peer = await plan_in_sync(server, person, carer, "carer")
    doc_id = plan["documentId"]

    await person.ok("DELETE", f"/api/plans/{plan['id']}/members/{carer.id}", 204)
    # The carer's open connection is told at once, and why (decision 27); it stays open.
    notice = await carer_peer.recv()
    assert notice == {
        "type": "error",
        "senderId": notice["senderId"],
        "targetId": carer_peer.peer_id,
        "message": "access revoked: you are no longer a member of this plan",
        "reason": "access-revoked",
        "documentId": doc_id,
    }
    put_note(owner.doc(doc_id), "a", "after revocation")
    await owner.sync(doc_id)
    await carer_peer.send_sync(doc_id, REQUEST_PAYLOAD)
    after = await carer_peer.recv()

    # Frames on one socket are ordered: a leaked change would have arrived before this.
    assert after["type"] == "doc-unavailable"
    assert read_note(carer_peer.doc(doc_id), "a") == "1"
    await owner.close()
    await carer_peer.close()


async def test_revoking_a_token_closes_its_connections(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person = users["person"]
    token = await person.ok("POST", "/api/tokens", 201, json={"label": "script"})
    peer = await WirePeer.connect(f"{server.url}?token={token['token']}", "script")

    await person.ok("DELETE", f"/api/tokens/{token['id']}", 204)
    code, messages = await peer.closed()

    assert code == 4401
    assert messages[-1]["message"] == "credential revoked"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_tokens_never_reach_the_logs(server: LiveServer, users: dict[str, ApiUser]) -> None:
    person = users["person"]
    collect = _Collect()
    # uvicorn's loggers do not propagate to the root logger, so listen on them directly.
    loggers = [logging.getLogger(n) for n in ("uvicorn.error", "uvicorn.access")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(collect)
        logger.setLevel(logging.DEBUG)
    try:
        peer = await WirePeer.connect(person.sync_url(server.url), "logged")
        await peer.close()
        refused = await WirePeer.connect(f"{server.url}?token=spt_wrong-secret", join=False)
        await refused.closed()
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)

    text = "\n".join(collect.lines)
    assert "/sync?token=[redacted]" in text
    assert person.token not in text
    assert "spt_wrong-secret" not in text


async def test_another_account_cannot_displace_a_peer_by_reusing_its_peer_id(
    server: LiveServer, users: dict[str, ApiUser]
) -> None:
    person, other = users["person"], users["other"]
    plan = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "P"}
    )
    doc_id = plan["documentId"]
    victim = await WirePeer.connect(person.sync_url(server.url), "phone-1")

    impostor = await WirePeer.connect(other.sync_url(server.url), "phone-1")
    put_note(victim.doc(doc_id), "still", "connected")
    await victim.sync(doc_id)

    assert [a for a, _ in stored(server, doc_id)] == [person.id]
    assert len(server.hub.peers) == 2
    await impostor.close()
    await victim.close()
