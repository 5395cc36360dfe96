"""Who may read and write which document: audiences and roles, decided by the server.

| audience         | read                              | write                     |
| ---------------- | --------------------------------- | ------------------------- |
| everyone         | every member                      | every member but viewers  |
| person           | the person                        | the person                |
| clinicians       | the person and clinicians         | the same                  |
| carer:<userId>   | that carer and the clinicians     | the same                  |

`PlanPolicy` caches registrations and roles in memory (the sync path asks on every
message); PlanService updates the cache whenever it changes either. An account's roles are
read all at once (`plans_of`): a phone that opens its 1,000 plans asks one query, not 1,000
(each a thread round trip that the socket's next message waits for).
"""

from collections.abc import Iterable
from typing import Any

from server.auth.policy import NO_ACCESS, Access, Grant, Identity
from server.ids import DocumentId
from server.roles import Role
from server.storage.records import DocumentRow, PlanRecords

CARER_PREFIX = "carer:"
_CACHE_LIMIT = 100_000


def is_audience(audience: str) -> bool:
    return audience in ("everyone", "person", "clinicians") or (
        audience.startswith(CARER_PREFIX) and len(audience) > len(CARER_PREFIX)
    )


def can_read(audience: str, role: Role | None, account_id: str) -> bool:
    match audience, role:
        case (_, None):
            return False
        case ("everyone", _):
            return True
        case ("person", Role.PERSON):
            return True
        case ("clinicians", Role.PERSON | Role.CLINICIAN):
            return True
        case (str(a), Role.CLINICIAN) if a.startswith(CARER_PREFIX):
            return True
        case (str(a), Role.CARER):
            return a == CARER_PREFIX + account_id
    return False


def readable(
    documents: Iterable[DocumentRow], role: Role | None, account_id: str
) -> list[DocumentRow]:
    """The documents (of one plan) that a member with `role` may read, in the order given.

    The one filter behind every read of a plan's documents outside sync: the plan's
    documents, changes and contributors, the review digest and sign-offs, the export.
    """
    return [d for d in documents if can_read(d.audience, role, account_id)]


def grant_for(audience: str, role: Role | None, account_id: str) -> Grant:
    if not can_read(audience, role, account_id):
        return NO_ACCESS
    return Grant(Access.READ if role == Role.VIEWER else Access.WRITE, role, audience)


class PlanPolicy:
    enforced = True

    def __init__(self, records: PlanRecords) -> None:
        self._records = records
        self._documents: dict[str, DocumentRow | None] = {}
        self._memberships: dict[str, dict[str, Role]] = {}  # account -> plan -> role
        # Documents being deleted: refused whatever the database (not yet committed) says.
        self._deleting: set[str] = set()
        # Bumped by every change of access. A lookup that raced with one is used once and
        # not cached: a revoked role must never be put back into the cache by a slow read.
        self._epoch = 0

    async def grant(self, identity: Identity, document_id: DocumentId) -> Grant:
        account_id = identity.account_id
        if account_id is None:
            return NO_ACCESS
        document = await self.document(document_id)
        if document is None:
            return NO_ACCESS
        role = await self.role(document.plan_id, account_id)
        return grant_for(document.audience, role, account_id)

    async def document(self, document_id: str) -> DocumentRow | None:
        if document_id in self._deleting:
            return None
        if document_id in self._documents:
            return self._documents[document_id]
        epoch = self._epoch
        row = await self._records.document(document_id)
        if epoch == self._epoch:
            self._bounded(self._documents)[document_id] = row
        return row

    async def role(self, plan_id: str, account_id: str) -> Role | None:
        roles = self._memberships.get(account_id)
        if roles is None:
            epoch = self._epoch
            roles = {plan.id: role for plan, role in await self._records.plans_of(account_id)}
            if epoch == self._epoch:
                self._bounded(self._memberships)[account_id] = roles
        return roles.get(plan_id)

    def registered(self, document: DocumentRow) -> None:
        self._epoch += 1
        self._documents[document.document_id] = document

    def role_changed(self, plan_id: str, account_id: str) -> None:
        self._epoch += 1
        self._memberships.pop(account_id, None)

    def deleting(self, document_ids: list[str]) -> None:
        """Refuse these documents from now on: their deletion is about to be committed."""
        self._epoch += 1
        self._deleting.update(document_ids)

    def forget(self) -> None:
        """Read everything from the database again (another process changed access)."""
        self._epoch += 1
        self._documents.clear()
        self._memberships.clear()

    def deleted(self, document_ids: list[str]) -> None:
        """The deletion is over (committed, or failed): the database answers again."""
        self._epoch += 1
        for document_id in document_ids:
            self._deleting.discard(document_id)
            self._documents.pop(document_id, None)

    @staticmethod
    def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
        # Simple bound: a full cache starts over (rows are re-read on demand).
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        return cache
