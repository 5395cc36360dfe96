"""HTTP bodies of plan exports and account deletion."""

from datetime import datetime
from typing import Any

import msgspec

from server.plans.models import Change, Member

EXPORT_FORMAT = "safety-plan-export/1"


class ExportedPlan(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    id: str
    title: str


class ExportedDocument(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    document_id: str
    audience: str
    heads: list[str]
    """The document's heads in this export (hex change hashes)."""
    content: dict[str, Any] | None
    """The document as plain JSON (docs/plan-document.md); None if nothing was ever stored."""
    automerge: str | None
    """Base64 of the document as stored: its last save() and the changes logged since, one
    Automerge file with its whole history (Automerge.load reads it)."""
    changes: list[Change]
    """Every change in `automerge`, oldest first, with who sent it."""


class PlanExport(msgspec.Struct, kw_only=True, rename="camel", frozen=True):
    format: str
    exported_at: datetime
    plan: ExportedPlan
    members: list[Member]
    documents: list[ExportedDocument]
    """Every document of the plan its person may read."""


class AccountDelete(msgspec.Struct, kw_only=True, rename="camel"):
    password: str
    """The account's password again: deleting is never done on a session alone."""
