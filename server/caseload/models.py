"""HTTP bodies of a clinician's caseload (docs/review-api.md, "Caseload")."""

from datetime import datetime

import msgspec


class CaseloadPlan(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    plan_id: str
    title: str
    person_name: str | None
    changes_since_review: int
    """Changes the server received after it stored the latest sign-off (all, if none), in the
    documents clinicians may read. The plan's Review lists them exactly."""
    conflicts: int | None
    """Conflicts among those changes, as the latest Review digest of a clinician found them;
    null when changes arrived after it (or none was computed): not known, not zero."""
    waiting_suggestions: int | None
    """Suggestions waiting for the person's decision; null if not counted yet."""
    next_review: str | None
    """The latest sign-off's next review date ("YYYY-MM-DD"); null if none is set."""
    last_review_at: datetime | None
    """When the latest sign-off was made (the reviewer's clock); null if never reviewed."""
    last_changed_at: datetime | None
    """When the server received the plan's latest change."""


class Caseload(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    as_of: datetime
    """When the server answered (the app shows it when it shows a remembered copy)."""
    plans: list[CaseloadPlan]
    """Sorted by next review (none set counts as due today), then most changes first."""
