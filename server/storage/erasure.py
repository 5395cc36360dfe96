"""The port for deleting an account and the plans it is the person of (sqlite_erasure.py)."""

from typing import Protocol

import msgspec


class ErasedAccount(msgspec.Struct, frozen=True, kw_only=True):
    """What one account's deletion removed or ended, for the sync side and the audit line."""

    plan_ids: list[str]
    """Plans the account was the person of: deleted with everything in them."""
    document_ids: list[str]
    """Those plans' documents."""
    changes: int
    """Change rows deleted with them."""
    former_members: list[tuple[str, str]]
    """(plan id, account id) of everyone else who was an active member of those plans."""
    memberships: list[str]
    """Plans of others the account was a member of: the membership ended (revoked)."""
    credential_ids: list[str]
    """The account's sessions and device tokens, deleted."""
    actors: list[bytes]
    """Actor bindings released: no change by the actor is left anywhere."""


class ErasureRecords(Protocol):
    async def erase_account(self, account_id: str, now_ms: int) -> ErasedAccount | None:
        """Delete the account's data in one transaction; None if no such live account.

        Every plan the account is the person of goes, with every row that names the plan or
        one of its documents; its other memberships end; its sessions and tokens go; the
        account becomes a tombstone (its id and deletion time); one content-free audit line
        records the deletion.
        """
        ...
