"""The plan template's rules for a sync message's changes, behind `auth/policy.ChangeRules`.

Where a role may write (`write_rules.py`) and what a plan document may hold
(`shape_rules.py`), in that order: the first refusal is the one the writer is told.
"""

from server.auth.policy import Grant, WrittenChanges
from server.plans import shape_rules, write_rules


class PlanChangeRules:
    """What the sync hub checks every plan document's new changes against (app.py wires it).

    `shapes=False` (`--free-form-documents`, benchmarks only) leaves out the shape rules.
    """

    def __init__(self, *, shapes: bool = True) -> None:
        self.shapes = shapes

    def refusal(self, grant: Grant, changes: WrittenChanges) -> str | None:
        if grant.audience is None:
            return None  # not a plan's document (OpenPolicy): no plan rules
        refusal = write_rules.refusal(
            grant.audience,
            grant.role,
            changes.account_id,
            changes.document,
            changes.touches,
            owns=changes.owns,
            new_document=not changes.heads_before,
        )
        if refusal is not None or not self.shapes:
            return refusal
        return shape_rules.refusal(
            write_rules.audience_kind(grant.audience),
            changes.document,
            changes.touches,
            before=changes.heads_before,
            written=changes.written,
        )
