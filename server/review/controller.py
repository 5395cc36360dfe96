"""HTTP: a plan's reviews (sign-offs) and the digest of changes since one."""

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from server.auth.policy import Identity
from server.review.models import Digest, MembershipEvent, Review
from server.review.service import ReviewService


class ReviewController(Controller):
    path = "/api/plans"
    tags = ("review",)

    @get("/{plan_id:str}/reviews")
    async def list_reviews(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        reviews: NamedDependency[ReviewService],
    ) -> list[Review]:
        return await reviews.reviews(identity, plan_id)

    @get("/{plan_id:str}/digest")
    async def digest(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        reviews: NamedDependency[ReviewService],
        since: FromQuery[str | None] = None,
    ) -> Digest:
        """Everything since a review (`since`, a review id; default: the latest) until now."""
        return await reviews.digest(identity, plan_id, since)

    @get("/{plan_id:str}/membership")
    async def membership(
        self,
        plan_id: FromPath[str],
        identity: NamedDependency[Identity],
        reviews: NamedDependency[ReviewService],
    ) -> list[MembershipEvent]:
        """Everyone who joined or left the plan, oldest first (History)."""
        return await reviews.membership(identity, plan_id)
