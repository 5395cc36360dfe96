"""HTTP: plans, their documents, invites, members and attribution."""

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.auth.policy import Identity
from server.plans.models import (
    Change,
    Contributor,
    Invite,
    InviteAccepted,
    InviteCreate,
    Member,
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

    @post("/{code:str}/accept", status_code=HTTP_200_OK)
    async def accept_invite(
        self,
        code: FromPath[str],
        identity: NamedDependency[Identity],
        plans: NamedDependency[PlanService],
    ) -> InviteAccepted:
        return await plans.accept_invite(identity, code)
