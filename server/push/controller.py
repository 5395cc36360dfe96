"""HTTP: the server's push key, and the caller's push subscriptions."""

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.auth.policy import Identity
from server.push.models import PushKey, Subscription, SubscriptionCreate, SubscriptionDelete
from server.push.service import PushService


class PushController(Controller):
    path = "/api/push"
    tags = ("push",)

    @get("/key")
    async def key(self, push: NamedDependency[PushService]) -> PushKey:
        """The server's VAPID public key (`applicationServerKey`) and the kinds there are."""
        return push.key()

    @get("/subscriptions")
    async def subscriptions(
        self, identity: NamedDependency[Identity], push: NamedDependency[PushService]
    ) -> list[Subscription]:
        """The caller's browsers that get notifications, with the kinds each chose."""
        return await push.subscriptions(identity)

    @post("/subscriptions", status_code=HTTP_200_OK)
    async def subscribe(
        self,
        data: JSONBody[SubscriptionCreate],
        identity: NamedDependency[Identity],
        push: NamedDependency[PushService],
    ) -> Subscription:
        """Add this browser (or change its kinds); an endpoint belongs to one account."""
        return await push.subscribe(identity, data)

    @post("/unsubscribe", status_code=HTTP_204_NO_CONTENT)
    async def unsubscribe(
        self,
        data: JSONBody[SubscriptionDelete],
        identity: NamedDependency[Identity],
        push: NamedDependency[PushService],
    ) -> None:
        """Stop notifications to this browser (404 if the caller has no such subscription)."""
        await push.unsubscribe(identity, data.endpoint)
