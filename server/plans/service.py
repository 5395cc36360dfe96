"""Plans, their documents, members and invites: the rules, on the PlanRecords port.

Every access change is pushed to the sync side at once (AccessEvents): a registered document
reaches the peers that already asked for it; a revoked member's connections lose the plan.
"""

import re
import uuid
from typing import Protocol

from server.auth.credentials import CODE_ALPHABET, new_code, secret_hash
from server.auth.policy import AccessEvents, Identity
from server.clock import now_ms, utc
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.ids import DocumentId, parse_document_id
from server.plans.access import CARER_PREFIX, PlanPolicy, is_audience, readable
from server.plans.models import (
    Change,
    Contributor,
    Invite,
    InviteAccepted,
    InviteCreate,
    InvitePreview,
    Member,
    PendingInvite,
    Plan,
    PlanCreate,
    PlanDocument,
    PlanDocumentCreate,
)
from server.roles import INVITABLE, Role
from server.storage.records import AlreadyMember, DocumentRow, PlanRecords, PlanRow

INVITE_DAYS = 7
MAX_TITLE = 200
INVITE_ROLE_MUST_BE = (
    "role must be " + ", ".join(f'"{r}"' for r in INVITABLE[:-1]) + f' or "{INVITABLE[-1]}"'
)


def _document_id(text: str) -> DocumentId:
    document_id = parse_document_id(text)
    if document_id is None:
        raise InvalidInput("documentId is not an automerge document id")
    return document_id


NOT_A_CODE = (
    "That is not an invitation code. A code has 16 letters and numbers, like"
    " ABCD-EFGH-JKLM-NPQR: check it, or ask for the link again."
)
NOT_VALID = (
    "This invitation cannot be used: it has been used, cancelled or has expired."
    " Ask the person who invited you for a new one."
)
OWN_INVITE = (
    "This invitation is for someone else to join your plan, so you cannot use it yourself."
    " It is still valid: send them the link or the code."
)
ALREADY_MEMBER = "You are already in this plan. The invitation is still valid for someone else."
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015\u2212]+")
_CODE_LENGTH = 16
_MAX_TYPED = 200


def normalise_code(typed: str) -> str | None:
    """The code as made ("ABCD-EFGH-JKLM-NPQR") from however it was typed, or None.

    Spaces, hyphens (any dash), dots, underscores and case do not matter.
    """
    if len(typed) > _MAX_TYPED:
        return None
    compact = _SEPARATORS.sub("", typed).upper()
    if len(compact) != _CODE_LENGTH or any(c not in CODE_ALPHABET for c in compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def _invite_hash(code: str) -> bytes:
    normal = normalise_code(code)
    if normal is None:
        raise InvalidInput(NOT_A_CODE)
    return secret_hash(normal)


class MembershipNotices(Protocol):
    """Who hears that a plan's members changed (server/push's notifications)."""

    def membership_changed(self, plan_id: str, by: str) -> None:
        """Someone joined or left the plan; `by` is whose doing it was. Never waits."""
        ...


class PlanService:
    def __init__(
        self,
        records: PlanRecords,
        policy: PlanPolicy,
        events: AccessEvents,
        notices: MembershipNotices | None = None,
    ) -> None:
        self._records = records
        self._policy = policy
        self._events = events
        self._notices = notices

    async def _role(self, identity: Identity, plan_id: str) -> Role:
        """The caller's role; NotFound for non-members (a plan's existence is not revealed)."""
        role = await self._records.role_of(plan_id, identity.account_id or "")
        if role is None:
            raise NotFound("no such plan")
        return role

    async def _person_only(self, identity: Identity, plan_id: str) -> None:
        if await self._role(identity, plan_id) != Role.PERSON:
            raise Forbidden("only the plan's person can do this")

    async def create_plan(self, identity: Identity, data: PlanCreate) -> Plan:
        document_id = _document_id(data.document_id)
        title = data.title.strip()
        if not 0 < len(title) <= MAX_TITLE:
            raise InvalidInput("a title of 1 to 200 characters is needed")
        plan = PlanRow(
            id=str(uuid.uuid4()),
            person_id=identity.account_id or "",
            title=title,
            document_id=document_id,
        )
        if not await self._records.create_plan(plan, now_ms()):
            raise Conflict("this document is already registered")
        self._policy.registered(
            DocumentRow(document_id=document_id, plan_id=plan.id, audience="everyone")
        )
        self._policy.role_changed(plan.id, plan.person_id)
        await self._events.document_registered(document_id)
        stored = await self._records.plan(plan.id)
        return Plan(
            id=plan.id,
            document_id=document_id,
            title=title,
            role=Role.PERSON,
            person_name=None if stored is None else stored.person_name,
        )

    async def list_plans(self, identity: Identity) -> list[Plan]:
        return [
            Plan(
                id=p.id,
                document_id=p.document_id,
                title=p.title,
                role=role,
                person_name=p.person_name,
            )
            for p, role in await self._records.plans_of(identity.account_id or "")
        ]

    async def register_document(
        self, identity: Identity, plan_id: str, data: PlanDocumentCreate
    ) -> PlanDocument:
        role = await self._role(identity, plan_id)
        document_id = _document_id(data.document_id)
        if not is_audience(data.audience):
            raise InvalidInput(
                'audience must be "everyone", "person", "clinicians" or "carer:<userId>"'
            )
        own_notes = role == Role.CARER and data.audience == CARER_PREFIX + (
            identity.account_id or ""
        )
        if role != Role.PERSON and not own_notes:
            raise Forbidden("only the person, or a carer for their own notes, can add documents")
        if data.audience.startswith(CARER_PREFIX):
            carer = data.audience.removeprefix(CARER_PREFIX)
            if await self._records.role_of(plan_id, carer) != Role.CARER:
                raise InvalidInput("that user is not a carer in this plan")
        document = DocumentRow(document_id=document_id, plan_id=plan_id, audience=data.audience)
        if not await self._records.register_document(document, identity.account_id or "", now_ms()):
            raise Conflict("this document is already registered")
        self._policy.registered(document)
        await self._events.document_registered(document_id)
        return PlanDocument(document_id=document_id, audience=data.audience)

    async def create_invite(self, identity: Identity, plan_id: str, data: InviteCreate) -> Invite:
        await self._person_only(identity, plan_id)
        if data.role not in INVITABLE:
            raise InvalidInput(INVITE_ROLE_MUST_BE)
        code = new_code()
        now = now_ms()
        expires = now + INVITE_DAYS * 24 * 3600 * 1000
        code_hash = _invite_hash(code)
        await self._records.create_invite(
            code_hash, plan_id, data.role, identity.account_id or "", now, expires
        )
        return Invite(code=code, role=data.role, expires_at=utc(expires), id=code_hash.hex())

    async def pending_invites(self, identity: Identity, plan_id: str) -> list[PendingInvite]:
        await self._person_only(identity, plan_id)
        return [
            PendingInvite(
                id=row.code_hash.hex(),
                role=row.role,
                created_at=utc(row.created_at_ms),
                expires_at=utc(row.expires_at_ms),
            )
            for row in await self._records.pending_invites(plan_id, now_ms())
        ]

    async def cancel_invite(self, identity: Identity, plan_id: str, invite: str) -> None:
        """`invite`: its id (from the list) or its code, however typed."""
        await self._person_only(identity, plan_id)
        try:
            code_hash = bytes.fromhex(invite) if len(invite) == 64 else _invite_hash(invite)
        except ValueError:
            raise InvalidInput(NOT_A_CODE) from None
        if not await self._records.cancel_invite(
            plan_id, code_hash, identity.account_id or "", now_ms()
        ):
            raise NotFound("no such pending invitation (it may have been used or cancelled)")

    async def preview_invite(self, identity: Identity, code: str) -> InvitePreview:
        view = await self._records.view_invite(
            _invite_hash(code), identity.account_id or "", now_ms()
        )
        if view is None:
            raise NotFound(NOT_VALID)
        return InvitePreview(
            person_name=view.person_name,
            role=view.role,
            expires_at=utc(view.expires_at_ms),
            your_role=view.your_role,
        )

    async def accept_invite(self, identity: Identity, code: str) -> InviteAccepted:
        accepted = await self._records.accept_invite(
            _invite_hash(code), identity.account_id or "", now_ms()
        )
        if accepted is None:
            raise NotFound(NOT_VALID)
        if isinstance(accepted, AlreadyMember):
            raise Conflict(OWN_INVITE if accepted.role == Role.PERSON else ALREADY_MEMBER)
        plan_id, role = accepted
        self._policy.role_changed(plan_id, identity.account_id or "")
        for document in await self._records.documents_of(plan_id):
            await self._events.document_registered(DocumentId(document.document_id))
        if self._notices is not None:
            self._notices.membership_changed(plan_id, identity.account_id or "")
        return InviteAccepted(plan_id=plan_id, role=role)

    async def members(self, identity: Identity, plan_id: str) -> list[Member]:
        await self._role(identity, plan_id)
        return [
            Member(user_id=m.account_id, display_name=m.display_name, role=m.role)
            for m in await self._records.members(plan_id)
        ]

    async def revoke_member(self, identity: Identity, plan_id: str, user_id: str) -> None:
        await self._person_only(identity, plan_id)
        if not await self._records.revoke_member(
            plan_id, user_id, identity.account_id or "", now_ms()
        ):
            raise NotFound("no such member (the person cannot be removed)")
        self._policy.role_changed(plan_id, user_id)
        documents = await self._records.documents_of(plan_id)
        self._events.access_revoked(user_id, [DocumentId(d.document_id) for d in documents])
        if self._notices is not None:
            self._notices.membership_changed(plan_id, identity.account_id or "")

    async def _readable(self, identity: Identity, plan_id: str) -> list[DocumentRow]:
        role = await self._role(identity, plan_id)
        account_id = identity.account_id or ""
        return readable(await self._records.documents_of(plan_id), role, account_id)

    async def _readable_documents(self, identity: Identity, plan_id: str) -> list[str]:
        return [d.document_id for d in await self._readable(identity, plan_id)]

    async def documents(self, identity: Identity, plan_id: str) -> list[PlanDocument]:
        """The plan's registered documents that the caller may read, with their audiences."""
        return [
            PlanDocument(document_id=d.document_id, audience=d.audience)
            for d in await self._readable(identity, plan_id)
        ]

    async def changes(self, identity: Identity, plan_id: str) -> list[Change]:
        rows = await self._records.changes(await self._readable_documents(identity, plan_id))
        return [Change.of(r) for r in rows]

    async def contributors(self, identity: Identity, plan_id: str) -> list[Contributor]:
        """Who each Automerge actor is: the account that delivered its first change."""
        documents = await self._readable_documents(identity, plan_id)
        return [
            Contributor(
                actor_id=r.actor.hex(),
                user_id=r.account_id,
                display_name=r.display_name,
                role=r.role,
            )
            for r in await self._records.first_changes_by_actor(documents)
        ]
