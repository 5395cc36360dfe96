"""Deleting one's own account (UK GDPR Art. 17), with the sync side told at once.

For the person of a plan, the plan goes with everything in it, and every connected peer
leaves its documents before a row is deleted: the policy refuses them first, then the hub
unsubscribes everyone, drops them from memory and waits for the writes already under way,
so the deletion leaves nothing behind. Memberships of others' plans end as a revocation
does; their changes there stay, attributed to a former member (docs/decisions.md). Last,
the account's sessions and tokens are deleted and their sockets closed.
"""

from server.auth.attribution import ActorBindings
from server.auth.policy import AccessEvents, Identity
from server.auth.service import AccountService
from server.clock import now_ms
from server.errors import Unauthenticated
from server.ids import DocumentId
from server.plans.access import PlanPolicy
from server.plans.service import MembershipNotices
from server.roles import Role
from server.storage.erasure import ErasedAccount, ErasureRecords
from server.storage.records import PlanRecords


def _ids(documents: list[str]) -> list[DocumentId]:
    return [DocumentId(d) for d in documents]


class AccountErasure:
    def __init__(
        self,
        accounts: AccountService,
        plans: PlanRecords,
        records: ErasureRecords,
        policy: PlanPolicy,
        events: AccessEvents,
        actors: ActorBindings,
        notices: MembershipNotices | None = None,
    ) -> None:
        self._accounts = accounts
        self._plans = plans
        self._records = records
        self._policy = policy
        self._events = events
        self._actors = actors
        self._notices = notices

    async def delete_account(self, identity: Identity, password: str, address: str) -> None:
        await self._accounts.reauthenticate(identity, password, address)
        account_id = identity.account_id or ""
        owned = [p for p, role in await self._plans.plans_of(account_id) if role == Role.PERSON]
        documents = [d.document_id for p in owned for d in await self._plans.documents_of(p.id)]
        self._policy.deleting(documents)
        try:
            await self._events.documents_deleted(_ids(documents))
            erased = await self._records.erase_account(account_id, now_ms())
        finally:
            self._policy.deleted(documents)
        if erased is None:
            raise Unauthenticated("the account no longer exists")
        # A plan created while this ran was deleted too: its documents leave now.
        late = [d for d in erased.document_ids if d not in set(documents)]
        if late:
            self._policy.deleted(late)
            await self._events.documents_deleted(_ids(late))
        self._actors.release(erased.actors)
        await self._after(account_id, erased)

    async def _after(self, account_id: str, erased: ErasedAccount) -> None:
        for plan_id, member in erased.former_members:
            self._policy.role_changed(plan_id, member)
        for plan_id in erased.plan_ids:
            self._policy.role_changed(plan_id, account_id)
        for plan_id in erased.memberships:
            self._policy.role_changed(plan_id, account_id)
            documents = await self._plans.documents_of(plan_id)
            self._events.access_revoked(account_id, _ids([d.document_id for d in documents]))
            if self._notices is not None:  # a member left: the plan's person is told
                self._notices.membership_changed(plan_id, account_id)
        for credential_id in erased.credential_ids:
            self._events.credential_revoked(credential_id, account_deleted=True)
