"""A plan's export for its person: access and portability (UK GDPR Art. 15 and 20).

Everything the person may read, in two forms: plain JSON to read or import anywhere, and each
document's Automerge bytes with its whole history and who wrote each change, so any
Automerge implementation can load it. Documents come from the sync side (stored, once what
memory holds of them is stored too); the change rows are the ones in that copy.
"""

import base64
from typing import Any

import msgspec

from server.auth.policy import Identity
from server.clock import now_ms, utc
from server.crdt.engine import LiveDocument
from server.errors import Forbidden, NotFound
from server.ids import DocumentId
from server.plans.access import readable
from server.plans.models import Change, Member
from server.rights.models import (
    EXPORT_FORMAT,
    ExportedDocument,
    ExportedPlan,
    PlanExport,
)
from server.rights.ports import DocumentCopies
from server.roles import Role
from server.storage.records import AuditEntry, DocumentRow, PlanRecords


class ExportService:
    def __init__(self, records: PlanRecords, documents: DocumentCopies) -> None:
        self._records = records
        self._documents = documents

    async def export(self, identity: Identity, plan_id: str) -> PlanExport:
        """The plan's person only: others 403, non-members 404 (the plan is not revealed)."""
        account_id = identity.account_id or ""
        role = await self._records.role_of(plan_id, account_id)
        if role is None:
            raise NotFound("no such plan")
        if role != Role.PERSON:
            raise Forbidden("only the plan's person can export it")
        plan = await self._records.plan(plan_id)
        if plan is None:
            raise NotFound("no such plan")
        documents = [
            await self._document(d)
            for d in readable(await self._records.documents_of(plan_id), role, account_id)
        ]
        members = [
            Member(user_id=m.account_id, display_name=m.display_name, role=m.role)
            for m in await self._records.members(plan_id)
        ]
        at = now_ms()
        await self._records.audit(
            AuditEntry(
                plan_id=plan_id,
                by_account=account_id,
                action="export",
                detail=f"documents={len(documents)}",
            ),
            at,
        )
        return PlanExport(
            format=EXPORT_FORMAT,
            exported_at=utc(at),
            plan=ExportedPlan(id=plan.id, title=plan.title),
            members=members,
            documents=documents,
        )

    async def _document(self, document: DocumentRow) -> ExportedDocument:
        data = await self._documents.stored_document(DocumentId(document.document_id))
        if data is None:
            return ExportedDocument(
                document_id=document.document_id,
                audience=document.audience,
                heads=[],
                content=None,
                automerge=None,
                changes=[],
            )
        # Loading and walking a large plan takes long, and the binding holds the GIL while
        # it loads: off the loop (another process for a large plan), so one export does not
        # stall every socket.
        read = await self._documents.read_stored(_read, data)
        # Read after the copy: the log holds every change in it (copies are durable), and
        # rows of changes that arrived since are left out.
        rows = await self._records.changes([document.document_id])
        return ExportedDocument(
            document_id=document.document_id,
            audience=document.audience,
            heads=read.heads,
            content=read.content,
            automerge=read.automerge,
            changes=[Change.of(r) for r in rows if r.hash in read.hashes],
        )


class _Read(msgspec.Struct, frozen=True):
    heads: list[str]
    hashes: set[bytes]
    content: dict[str, Any]
    automerge: str


def _read(data: bytes) -> _Read:
    """Everything export needs of a stored document (in a thread or the document worker)."""
    doc = LiveDocument.load(data)
    return _Read(
        heads=[h.hex() for h in doc.heads],
        hashes=doc.change_hashes(),
        content=doc.to_json(),
        # As stored: its last save() and the changes since, which is an Automerge file
        # (Automerge.load reads a document chunk followed by change chunks) with the
        # whole history. Saving it again would cost more than all the rest, with the GIL.
        automerge=base64.b64encode(data).decode("ascii"),
    )
