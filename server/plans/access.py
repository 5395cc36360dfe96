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

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from server.auth.policy import NO_ACCESS, Access, Grant, Identity
from server.ids import DocumentId
from server.roles import Role
from server.storage.records import DocumentRow, PlanRecords

CARER_PREFIX = "carer:"
_CACHE_LIMIT = 100_000
DELETED_ELSEWHERE_S = 600.0
"""How long a document another process announced it is deleting stays refused here while the
database still has it. The announcement comes before the erasure commits; once it has, the
database refuses the document by itself, and an erasure still uncommitted after this long
failed (its process refuses the document only until then too)."""


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

    def __init__(self, records: PlanRecords, clock: Callable[[], float] = time.monotonic) -> None:
        self._records = records
        self._clock = clock
        self._documents: dict[str, DocumentRow | None] = {}
        self._memberships: dict[str, dict[str, Role]] = {}  # account -> plan -> role
        # Documents being deleted: refused whatever the database (not yet committed) says.
        self._deleting: set[str] = set()
        # The same for deletions another process announced, by when they were heard (oldest
        # first): forgotten once the database no longer has the document, or after
        # DELETED_ELSEWHERE_S, so memory holds only the deletions of the last few minutes.
        self._elsewhere: OrderedDict[str, float] = OrderedDict()
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
        if document_id in self._elsewhere and await self._deleted_elsewhere(document_id):
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

    def deleting_elsewhere(self, document_ids: list[str]) -> None:
        """Another process is deleting these: refuse them until the database agrees."""
        self._epoch += 1
        now = self._clock()
        self._expire(now)
        for document_id in document_ids:
            self._documents.pop(document_id, None)
            self._elsewhere[document_id] = now
            self._elsewhere.move_to_end(document_id)
        while len(self._elsewhere) > _CACHE_LIMIT:  # the oldest have committed long since
            self._elsewhere.popitem(last=False)

    @property
    def deletions_elsewhere(self) -> int:
        """How many deletions announced by other processes are remembered here."""
        return len(self._elsewhere)

    async def _deleted_elsewhere(self, document_id: str) -> bool:
        """Still refused: announced deleted, and the database still has it (not committed)."""
        self._expire(self._clock())
        if document_id not in self._elsewhere:
            return False
        if await self._records.document(document_id) is not None:
            return True
        self._elsewhere.pop(document_id, None)  # committed: the database refuses it now
        return True

    def _expire(self, now: float) -> None:
        while self._elsewhere:
            document_id, heard = next(iter(self._elsewhere.items()))
            if now - heard < DELETED_ELSEWHERE_S:
                return
            del self._elsewhere[document_id]

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
