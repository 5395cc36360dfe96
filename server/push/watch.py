"""New suggestions, seen where the sync hub accepts changes: the plan rules, wrapped.

The hub asks its `ChangeRules` about every message's changes; the answer is passed on
unchanged, and when it is "accepted" the suggestions the changes made are handed to the
PushService (which decides whether anyone is told, once). Nothing of the sync side changes.
"""

from server.auth.policy import ChangeRules, Grant, WrittenChanges
from server.crdt.patches import ObjectRef, Touch
from server.push.service import PushService
from server.review.plan_state import PlanReader

EVERYONE = "everyone"
"""The document that holds a plan's proposals (docs/plan-document.md)."""


def _proposal(touch: Touch) -> ObjectRef | None:
    """The proposal object a touch made or wrote inside, if it is one of `proposals`."""
    if not touch.path or touch.path[0] != "proposals" or len(touch.path) < 2:
        return None
    if len(touch.path) == 2 and touch.action == "insert" and touch.made is not None:
        return touch.made
    return touch.objects[2] if len(touch.objects) > 2 else None


class ProposalWatch:
    """ChangeRules that are `rules`, telling `push` of new pending suggestions accepted."""

    def __init__(self, rules: ChangeRules, push: PushService) -> None:
        self._rules = rules
        self._push = push

    def refusal(self, grant: Grant, changes: WrittenChanges) -> str | None:
        refusal = self._rules.refusal(grant, changes)
        if refusal is None and grant.audience == EVERYONE and changes.document_id is not None:
            made = self._pending_made(changes)
            if made:
                self._push.proposals_made(
                    changes.document_id, changes.account_id, made, changes.stored
                )
        return refusal

    @staticmethod
    def _pending_made(changes: WrittenChanges) -> list[str]:
        """Pending proposals the writer made that these changes wrote to (object ids, hex).

        A proposal's first change is the one that makes it; later ones (a withdrawal, a
        decision) find it decided, or find it already claimed by the PushService.
        """
        refs = {r.id: r for t in changes.touches if (r := _proposal(t)) is not None}
        reader = PlanReader(changes.document)
        found = []
        for ref in refs.values():
            state = reader.proposal(ref.id)
            if state is not None and state.decision is None and changes.owns(ref.actor):
                found.append(ref.id.hex())
        return sorted(found)
