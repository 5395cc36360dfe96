"""The port of Web Push's records (adapters: sqlite_push.py, postgres_push.py).

The VAPID key, browsers' subscriptions and which notifications were sent; the sending
itself is server/push/'s.
"""

from typing import Protocol

import msgspec


class SubscriptionRow(msgspec.Struct, frozen=True, kw_only=True):
    endpoint: str
    account_id: str
    p256dh: str
    auth: str
    kinds: tuple[str, ...]
    """Which kinds of notification its person chose (server/push/models.py names them)."""


class PlanOfDocument(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: str
    person_id: str
    audience: str


class ReviewDue(msgspec.Struct, frozen=True, kw_only=True):
    plan_id: str
    clinician_id: str
    """An active clinician of the plan."""


class PushRecords(Protocol):
    async def vapid_key(self, candidate: str, now_ms: int) -> str:
        """The stored private key; `candidate` is stored first if there is none yet.

        Every process gets the same key, whichever stored its candidate first.
        """
        ...

    async def subscribe(self, row: SubscriptionRow, now_ms: int) -> None:
        """Add or replace the endpoint's subscription (it moves to `row.account_id`)."""
        ...

    async def unsubscribe(self, account_id: str, endpoint: str) -> bool:
        """Remove the account's subscription of this endpoint; False if it had none."""
        ...

    async def subscriptions(self, account_ids: list[str]) -> list[SubscriptionRow]:
        """Every subscription of these accounts."""
        ...

    async def drop(self, endpoint: str) -> None:
        """Forget an endpoint its push service says is gone (404, 410)."""
        ...

    async def claim(self, key: str, plan_id: str, now_ms: int) -> bool:
        """True for the first caller with this key, in any process, ever (until forgotten).

        The claim goes with its plan when the plan is erased.
        """
        ...

    async def forget_sent(self, before_ms: int) -> int:
        """Forget the keys claimed before this time; return how many."""
        ...

    async def plan_of_document(self, document_id: str) -> PlanOfDocument | None: ...

    async def person_of_plan(self, plan_id: str) -> str | None: ...

    async def reviews_due(self, date: str) -> list[ReviewDue]:
        """The plans whose latest sign-off sets the next review for `date` (YYYY-MM-DD).

        One row per active clinician of each.
        """
        ...
