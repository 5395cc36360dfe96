"""HTTP: a plan's export for its person, and deleting one's own account."""

from typing import Any

from litestar import Controller, Request, Response, delete, get
from litestar.datastructures import Cookie, ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.auth.guards import SESSION_COOKIE
from server.auth.policy import Identity
from server.rights.erasure import AccountErasure
from server.rights.export import ExportService
from server.rights.models import AccountDelete, PlanExport

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

    @delete("/accounts/me", tags=["accounts"])
    async def delete_account(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AccountDelete],
        identity: NamedDependency[Identity],
        erasure: NamedDependency[AccountErasure],
    ) -> Response[None]:
        """Delete the caller's account, given its password again.

        Plans they are the person of go with everything in them; other memberships end;
        sessions and device tokens end. Wrong password: 403 (throttled like sign-in).
        """
        address = request.client.host if request.client else "unknown"
        await erasure.delete_account(identity, data.password, address)
        ended = Cookie(
            key=SESSION_COOKIE,
            value="",
            path="/",
            max_age=0,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return Response(None, status_code=204, cookies=[ended])
