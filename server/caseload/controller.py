"""HTTP: a clinician's caseload."""

from litestar import Controller, get
from litestar.di import NamedDependency

from server.auth.policy import Identity
from server.caseload.models import Caseload
from server.caseload.service import CaseloadService


class CaseloadController(Controller):
    path = "/api/caseload"
    tags = ("review",)

    @get()
    async def caseload(
        self, identity: NamedDependency[Identity], caseload: NamedDependency[CaseloadService]
    ) -> Caseload:
        """Every plan the caller is a clinician of, with what waits for review."""
        return await caseload.caseload(identity)
