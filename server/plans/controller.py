"""HTTP: plans, their documents, invites, members and attribution."""

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.auth.policy import Identity
from server.plans.models import (
    Change,
    Contributor,
    Invite,
    InviteAccept,
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
from server.plans.service import PlanService


class PlanController(Controller):
    path = "/api/plans"
    tags = ("plans",)

    @post(status_code=HTTP_201_CREATED)
    async def create_plan(
        self,
        data: JSONBody[PlanCreate],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> Plan:
        return await plans.create_plan(identity, data)

    @get()
    async def list_plans(
        self, identity: NamedDependency[Identity], plans: NamedDependency[PlanService]
    ) -> list[Plan]:
        return await plans.list_plans(identity)

    @post("/{plan_id:str}/documents", status_code=HTTP_201_CREATED)
    async def register_document(
        self,
        plan_id: FromPath[str],
        data: JSONBody[PlanDocumentCreate],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> PlanDocument:
        return await plans.register_document(identity, plan_id, data)

    @get("/{plan_id:str}/documents")
    async def list_documents(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> list[PlanDocument]:
        return await plans.documents(identity, plan_id)

    @post("/{plan_id:str}/invites", status_code=HTTP_201_CREATED)
    async def create_invite(
        self,
        plan_id: FromPath[str],
        data: JSONBody[InviteCreate],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> Invite:
        return await plans.create_invite(identity, plan_id, data)

    @get("/{plan_id:str}/invites")
    async def list_invites(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> list[PendingInvite]:
        """The person's invitations not used yet and not expired, oldest first."""
        return await plans.pending_invites(identity, plan_id)

    @delete("/{plan_id:str}/invites/{invite:str}", status_code=HTTP_204_NO_CONTENT)
    async def cancel_invite(
        self,
        plan_id: FromPath[str],
        invite: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> None:
        """Cancel a pending invitation, by its id (from the list) or its code."""
        await plans.cancel_invite(identity, plan_id, invite)

    @get("/{plan_id:str}/members")
    async def list_members(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> list[Member]:
        return await plans.members(identity, plan_id)

    @delete("/{plan_id:str}/members/{user_id:str}")
    async def revoke_member(
        self,
        plan_id: FromPath[str],
        user_id: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> None:
        await plans.revoke_member(identity, plan_id, user_id)

    @get("/{plan_id:str}/contributors")
    async def list_contributors(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> list[Contributor]:
        return await plans.contributors(identity, plan_id)

    @get("/{plan_id:str}/changes")
    async def list_changes(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> list[Change]:
        return await plans.changes(identity, plan_id)


class InviteController(Controller):
    path = "/api/invites"
    tags = ("plans",)

    @post("/preview", status_code=HTTP_200_OK)
    async def preview_invite(
        self,
        data: JSONBody[InviteAccept],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> InvitePreview:
        """Whose plan a code is for and as what, before accepting it (nothing is used)."""
        return await plans.preview_invite(identity, data.code)

    @post("/accept", status_code=HTTP_200_OK)
    async def accept_typed_invite(
        self,
        data: JSONBody[InviteAccept],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> InviteAccepted:
        """Accept a code as typed, in the body, so nothing in it can change the route."""
        return await plans.accept_invite(identity, data.code)

    @post("/{code:str}/accept", status_code=HTTP_200_OK)
    async def accept_invite(
        self,
        code: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> InviteAccepted:
        return await plans.accept_invite(identity, code)
