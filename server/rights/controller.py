"""HTTP: a plan's export for its person, and deleting one's own account."""

from litestar import Controller, Response, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath

from server.auth.policy import Identity
from server.rights.export import ExportService
from server.rights.models import PlanExport

_EXPORT_HEADERS = [
    ResponseHeader(
        name="Content-Disposition",
        documentation_only=True,
        description='attachment; filename="safety-plan-<YYYY-MM-DD>.json"',
    ),
    ResponseHeader(name="Cache-Control", value="no-store"),
]


class RightsController(Controller):
    path = "/api"

    @get("/plans/{plan_id:str}/export", tags=["plans"], response_headers=_EXPORT_HEADERS)
    async def export_plan(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        exports: NamedDependency[ExportService],
    ) -> Response[PlanExport]:
        """Everything of the plan its person may read, as JSON and as Automerge documents."""
        export = await exports.export(identity, plan_id)
        filename = f"safety-plan-{export.exported_at.date().isoformat()}.json"
        return Response(
            export, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
