"""Who gets which notification, once: subscriptions, triggers and the daily review check.

Triggers: a new pending suggestion in a plan (ProposalWatch, from the sync hub's accepted
changes), a member joining or leaving (PlanService), a review due tomorrow (a check on start
and every hour). Each notification that could repeat (a suggestion, a review date) is
claimed in the database first, so restarts and other processes never send it twice.
"""

import asyncio
import base64
import binascii
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import msgspec

from server.auth.policy import Identity
from server.clock import now_ms
from server.errors import InvalidInput, NotFound
from server.push.models import Kind, Message, PushKey, Subscription, SubscriptionCreate
from server.push.sender import Delivery, endpoint_problem
from server.storage.push import PushRecords, SubscriptionRow

log = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 20
"""Per account: a person with more browsers than this drops the oldest by unsubscribing."""
SENT_KEPT_DAYS = 60
MAX_PENDING = 1000
"""Notifications under way at once; beyond, new ones are dropped (and logged), so a flood
of suggestions cannot grow the server's memory without bound."""
DECIDED_PROPOSALS = 10_000
"""Suggestions this process has already claimed, or found claimed, remembered (oldest
forgotten first) so that a carer typing in a pending suggestion costs no database work."""
TITLE = "Safety plan"
WORDS = {
    Kind.PROPOSAL: "Something in your plan is waiting for you.",
    Kind.REVIEW_DUE: "A review is due tomorrow.",
    Kind.MEMBERSHIP: "The people who share your plan have changed.",
}
SCREEN = {Kind.PROPOSAL: "suggestions", Kind.REVIEW_DUE: "review", Kind.MEMBERSHIP: "people"}
_ENCODE = msgspec.json.Encoder()


class Sender(Protocol):
    async def send(self, subscription: SubscriptionRow, payload: bytes) -> Delivery: ...

    async def close(self) -> None: ...


def message(kind: Kind, plan_id: str) -> Message:
    return Message(
        title=TITLE,
        body=WORDS[kind],
        url=f"/#/plan/{plan_id}/{SCREEN[kind]}",
        tag=f"{kind.value}:{plan_id}",
    )


def _key_bytes(text: str, name: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"keys.{name} is not base64url") from None


def _check(data: SubscriptionCreate, *, allow_loopback: bool) -> None:
    problem = endpoint_problem(data.endpoint, allow_loopback=allow_loopback)
    if problem is not None:
        raise InvalidInput(problem)
    p256dh = _key_bytes(data.keys.p256dh, "p256dh")
    if len(p256dh) != 65 or p256dh[0] != 4:
        raise InvalidInput("keys.p256dh is not an uncompressed P-256 public key")
    if len(_key_bytes(data.keys.auth, "auth")) != 16:
        raise InvalidInput("keys.auth is not 16 bytes")


class PushService:
    def __init__(
        self,
        records: PushRecords,
        sender: Sender,
        public_key: str,
        *,
        time_zone: ZoneInfo,
        allow_loopback: bool = False,
        review_hour: int = 9,
        check_every_s: float = 3600.0,
    ) -> None:
        self._records = records
        self._sender = sender
        self._public_key = public_key
        self._allow_loopback = allow_loopback
        self._review_hour = review_hour
        self._zone = time_zone
        self._check_every_s = check_every_s
        self._tasks: set[asyncio.Task[Any]] = set()
        self._checker: asyncio.Task[None] | None = None
        self._decided: OrderedDict[str, None] = OrderedDict()  # DECIDED_PROPOSALS keys

    def key(self) -> PushKey:
        return PushKey(public_key=self._public_key, kinds=list(Kind))

    async def subscribe(self, identity: Identity, data: SubscriptionCreate) -> Subscription:
        _check(data, allow_loopback=self._allow_loopback)
        account_id = identity.account_id or ""
        kinds = tuple(sorted(set(data.kinds)))
        mine = await self._records.subscriptions([account_id])
        if len(mine) >= MAX_SUBSCRIPTIONS and all(s.endpoint != data.endpoint for s in mine):
            raise InvalidInput(f"at most {MAX_SUBSCRIPTIONS} browsers can get notifications")
        row = SubscriptionRow(
            endpoint=data.endpoint,
            account_id=account_id,
            p256dh=data.keys.p256dh,
            auth=data.keys.auth,
            kinds=kinds,
        )
        await self._records.subscribe(row, now_ms())
        return Subscription(endpoint=data.endpoint, kinds=[Kind(k) for k in kinds])

    async def subscriptions(self, identity: Identity) -> list[Subscription]:
        rows = await self._records.subscriptions([identity.account_id or ""])
        return [Subscription(endpoint=r.endpoint, kinds=_kinds(r.kinds)) for r in rows]

    async def unsubscribe(self, identity: Identity, endpoint: str) -> None:
        if not await self._records.unsubscribe(identity.account_id or "", endpoint):
            raise NotFound("no such subscription")

    # Triggers. Each runs in a task of its own: the caller (a sync message, a REST request)
    # never waits for a push service.

    def proposals_made(
        self,
        document_id: str,
        writer: str | None,
        proposals: list[str],
        stored: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """Pending suggestions (object ids, hex) were written in a document's accepted changes.

        Called for every such message, so for every keystroke while a carer types in one:
        only a suggestion not decided here before costs a plan lookup and a claim. `stored`
        waits for the changes' commit: nobody is told of a suggestion that was not stored.
        """
        keys = [k for p in proposals if (k := f"proposal:{document_id}:{p}") not in self._decided]
        if not keys:
            return
        if self._spawn(self._proposals(document_id, writer, keys, stored)):
            for key in keys:
                self._decide(key)

    def _undecide(self, keys: list[str]) -> None:
        for key in keys:
            self._decided.pop(key, None)

    def _decide(self, key: str) -> None:
        self._decided[key] = None
        self._decided.move_to_end(key)
        if len(self._decided) > DECIDED_PROPOSALS:
            self._decided.popitem(last=False)

    async def _proposals(
        self,
        document_id: str,
        writer: str | None,
        keys: list[str],
        stored: Callable[[], Awaitable[bool]] | None,
    ) -> None:
        try:
            if stored is not None and not await stored():
                self._undecide(keys)  # its writer's phone sends it again
                return
            plan = await self._records.plan_of_document(document_id)
            if plan is None or plan.audience != "everyone" or writer == plan.person_id:
                return
            claimed = [key for key in keys if await self._claim(key, plan.plan_id)]
        except BaseException:
            self._undecide(keys)  # the next message about them tries again
            raise
        if claimed:
            await self.notify([plan.person_id], Kind.PROPOSAL, plan.plan_id)

    def membership_changed(self, plan_id: str, by: str) -> None:
        """Someone joined or left the plan (`by`: whose action it was)."""
        self._spawn(self._membership(plan_id, by))

    async def _membership(self, plan_id: str, by: str) -> None:
        person = await self._records.person_of_plan(plan_id)
        if person is not None and person != by:  # the person knows what they did
            await self.notify([person], Kind.MEMBERSHIP, plan_id)

    async def check_reviews(self, now: datetime | None = None) -> int:
        """Tell the clinicians of plans due for review tomorrow; how many browsers took it.

        Once per plan and date, to its clinicians of that moment (a claim names no account).
        Days and hours are the service's (`time_zone`): before `review_hour` there it waits
        for the next check, so nobody is woken at night.
        """
        local = (now or datetime.now(UTC)).astimezone(self._zone)
        if local.hour < self._review_hour:
            return 0
        tomorrow = (local.date() + timedelta(days=1)).isoformat()
        clinicians: dict[str, list[str]] = {}
        for due in await self._records.reviews_due(tomorrow):
            clinicians.setdefault(due.plan_id, []).append(due.clinician_id)
        told = 0
        for plan_id, accounts in clinicians.items():
            if await self._claim(f"review-due:{plan_id}:{tomorrow}", plan_id):
                told += await self.notify(accounts, Kind.REVIEW_DUE, plan_id)
        await self._records.forget_sent(now_ms() - SENT_KEPT_DAYS * 86_400_000)
        return told

    async def _claim(self, key: str, plan_id: str) -> bool:
        return await self._records.claim(key, plan_id, now_ms())

    async def notify(self, account_ids: list[str], kind: Kind, plan_id: str) -> int:
        """Send to every subscription of these accounts that chose `kind`; how many took it."""
        wanted = [s for s in await self._records.subscriptions(account_ids) if kind in s.kinds]
        if not wanted:
            return 0
        payload = _ENCODE.encode(message(kind, plan_id))
        results = await asyncio.gather(*(self._sender.send(s, payload) for s in wanted))
        for subscription, result in zip(wanted, results, strict=True):
            if result is Delivery.GONE:
                await self._records.drop(subscription.endpoint)
        return sum(1 for r in results if r is Delivery.SENT)

    # Lifetime.

    def start(self) -> None:
        """Check for reviews due now and every `check_every_s`."""
        self._checker = asyncio.get_running_loop().create_task(self._check_forever())

    async def _check_forever(self) -> None:
        while True:
            try:
                await self.check_reviews()
            except Exception:  # a database hiccup: the next check tries again
                log.exception("checking for reviews due failed")
            await asyncio.sleep(self._check_every_s)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> bool:
        """Start `work` in a task of its own; False if too many are under way (dropped)."""
        if len(self._tasks) >= MAX_PENDING:
            work.close()
            log.warning("%d notifications under way: one more is dropped", MAX_PENDING)
            return False
        task = asyncio.get_running_loop().create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, Any]) -> None:
        try:
            await work
        except Exception:  # a notification lost is logged, never a crash
            log.exception("a push notification failed")

    async def drain(self) -> None:
        """Wait for the notifications under way (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def close(self) -> None:
        if self._checker is not None:
            self._checker.cancel()
            await asyncio.gather(self._checker, return_exceptions=True)
        await self.drain()
        await self._sender.close()


def _kinds(values: Iterable[str]) -> list[Kind]:
    known = {k.value for k in Kind}
    return [Kind(v) for v in values if v in known]
