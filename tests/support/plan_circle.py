"""A person's plan with real documents written over real sockets, and the members they chose."""

import httpx
from automerge.core import Document, SyncState

from server.plans.template import plan_template
from tests.support.api import PASSWORD, ApiUser
from tests.support.automerge_docs import new_document_id, plan_document
from tests.support.wire_peer import WirePeer


async def sign_in(base_url: str, email: str) -> ApiUser:
    """An existing account signed in again (a new session and device token)."""
    http = httpx.AsyncClient(base_url=base_url, headers={"origin": base_url})
    signed_in = await http.post("/api/session", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    token = await http.post("/api/tokens", json={"label": "tests"})
    assert token.status_code == 201, token.text
    return ApiUser(http, signed_in.json(), token.json()["token"])


def sections(audience: str) -> list[str]:
    return [s.id for s in plan_template().sections if s.audience == audience]


async def create_plan(person: ApiUser, title: str = "My plan") -> dict[str, str]:
    plan: dict[str, str] = await person.ok(
        "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": title}
    )
    return plan


async def join(person: ApiUser, member: ApiUser, plan_id: str, role: str) -> None:
    invite = await person.ok("POST", f"/api/plans/{plan_id}/invites", 201, json={"role": role})
    await member.ok("POST", f"/api/invites/{invite['code']}/accept")


async def register(user: ApiUser, plan_id: str, audience: str) -> str:
    doc_id = new_document_id()
    await user.ok(
        "POST",
        f"/api/plans/{plan_id}/documents",
        201,
        json={"documentId": doc_id, "audience": audience},
    )
    return doc_id


async def upload(peer: WirePeer, doc_id: str, doc: Document) -> None:
    """Give the peer a new document (as the PWA creates it) and sync it to the server."""
    peer.docs[doc_id] = doc
    peer.states[doc_id] = SyncState()
    await peer.sync(doc_id)


async def fetch(peer: WirePeer, doc_id: str) -> Document:
    """Ask the server for a document and take it in."""
    await peer.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)
    return peer.doc(doc_id)


def new_plan_document(audience: str) -> Document:
    template_audience = "carer" if audience.startswith("carer:") else audience
    return plan_document(template_audience, sections(template_audience))
