"""create_app(): the one place that wires settings, storage, policy and routes together."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.di import Provide
from litestar.exceptions import ImproperlyConfiguredException, NotFoundException

from server.auth.attribution import ActorBindings
from server.auth.controller import AccountController, provide_identity
from server.auth.credentials import PasswordHashing
from server.auth.mail import Mailer, SmtpMailer, parse_smtp_url
from server.auth.policy import DocumentPolicy, OpenPolicy
from server.auth.recovery import PasswordRecovery
from server.auth.service import AccountService
from server.caseload.controller import CaseloadController
from server.caseload.service import CaseloadService
from server.caseload.summaries import Summaries
from server.clock import now_ms, zone
from server.errors import (
    Busy,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotConfigured,
    NotFound,
    StorageError,
    TooManyAttempts,
    Unauthenticated,
)
from server.ids import PeerId
from server.plans.access import PlanPolicy
from server.plans.change_rules import PlanChangeRules
from server.plans.controller import InviteController, PlanController
from server.plans.service import NOT_A_CODE, PlanService
from server.push.controller import PushController
from server.push.sender import WebPushSender, new_private_key, public_key
from server.push.service import PushService
from server.push.watch import ProposalWatch
from server.review.controller import ReviewController
from server.review.service import ReviewService
from server.rights.controller import RightsController
from server.rights.erasure import AccountErasure
from server.rights.export import ExportService
from server.settings import Settings
from server.storage.backends import StorageHealth, open_storage
from server.storage.protocol import ChangeFeed, DocumentStore
from server.storage.push import PushRecords
from server.sync import repair
from server.sync.cluster import Cluster
from server.sync.documents import DocumentRegistry
from server.sync.handler import sync_socket
from server.sync.hub import SyncHub
from server.web.static import client_app

_STATUS = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyAttempts: 429,
    Busy: 503,
    NotConfigured: 503,
    StorageError: 503,
}


_HEALTH_TIMEOUT_S = 5.0  # a disk that hangs is as dead as one that errs
_STORAGE_RETRY_AFTER_S = "30"


@get("/api/health")
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """200 while the database reads (and writes, after a failure); 503 saying why not.

    `database`: which kind; `feed`: "local" (one process), "listening" (PostgreSQL: this
    process hears the others' commits), or why it does not (503: its subscribers would
    get the other processes' changes late until it listens again).
    """
    database: StorageHealth = request.app.state.storage
    feed: ChangeFeed = request.app.state.feed
    try:
        async with asyncio.timeout(_HEALTH_TIMEOUT_S):
            problem = await database.check()
    except TimeoutError:
        problem = f"the database did not answer within {_HEALTH_TIMEOUT_S:.0f} s"
    feed_problem = feed.state()
    body = {
        "status": "ok" if problem is None and feed_problem is None else "failing",
        "database": request.app.state.database_kind,
        "feed": feed_problem or ("listening" if feed.shared else "local"),
    }
    if problem is not None:
        body["storage"] = problem
    return Response(body, status_code=200 if body["status"] == "ok" else 503)


def _domain_error(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, str]]:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 500)
    headers = {}
    if isinstance(error, TooManyAttempts | Busy):
        headers["Retry-After"] = str(error.retry_after_s)
    if isinstance(error, StorageError):  # the reason is the disk's, not a secret
        headers["Retry-After"] = _STORAGE_RETRY_AFTER_S
    detail = str(error) if status != 500 else "internal error"
    return Response({"detail": detail}, status_code=status, headers=headers)


def _not_found(request: Request[Any, Any, Any], error: NotFoundException) -> Response[Any]:
    """Litestar's 404, except for an invite code that no route matches.

    A code with "/" in it (or none at all) is not a code, and is told so (issue 10 item 8).
    """
    if request.method == "POST" and request.scope["path"].startswith("/api/invites/"):
        return Response({"detail": NOT_A_CODE}, status_code=400)
    return Response(
        {"status_code": 404, "detail": error.detail}, status_code=404, headers=error.headers
    )


async def _storage_id(store: DocumentStore) -> str:
    # Stable across restarts: clients key their saved sync state for us by it (spec 2.2).
    storage_id = await store.get_meta("storage_id")
    if storage_id is None:
        storage_id = str(uuid.uuid4())
        await store.set_meta("storage_id", storage_id)
    return storage_id


async def _push(settings: Settings, records: PushRecords) -> PushService:
    # The key pair is made on first start and kept in the database: every process signs
    # with the same one, which browsers' subscriptions are bound to.
    private = await records.vapid_key(new_private_key(), now_ms())
    contact = settings.public_url or f"mailto:{settings.mail_from}"
    sender = WebPushSender(private, contact, allow_loopback=settings.push_to_loopback)
    return PushService(
        records,
        sender,
        public_key(private),
        allow_loopback=settings.push_to_loopback,
        review_hour=settings.push_review_hour,
        time_zone=zone(settings.time_zone),
        check_every_s=settings.push_check_interval_s,
    )


def create_app(settings: Settings, *, open_access: bool = False) -> Litestar:
    """The server. `open_access` (tests of the bare protocol only) lets anyone sync anything."""
    if open_access and not settings.binds_loopback_only:
        raise ImproperlyConfiguredException("open access is only allowed on loopback")

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        storage = await open_storage(settings.database)
        hashing = PasswordHashing(max_waiting=settings.password_hash_queue)
        try:
            store, records = storage.store, storage.records
            storage_id = await _storage_id(store)
            await repair.scan_snapshots(store)
            policy: DocumentPolicy = OpenPolicy() if open_access else PlanPolicy(records)
            push = await _push(settings, storage.push)
            hub = SyncHub(
                DocumentRegistry(
                    store,
                    memory_budget=settings.document_memory_budget,
                    snapshot_every=settings.snapshot_every,
                    feed=storage.feed,
                ),
                policy,
                rules=ProposalWatch(PlanChangeRules(shapes=not settings.free_form_documents), push),
                actors=ActorBindings(await store.actor_bindings()),
                server_peer_id=PeerId(settings.server_peer_id or f"sync-server-{storage_id[:8]}"),
                storage_id=storage_id,
                max_document_bytes=settings.max_document_bytes,
                max_ephemeral_bytes=settings.max_ephemeral_bytes,
            )
            app.state.hub = hub
            app.state.storage = storage.health
            app.state.feed = storage.feed
            app.state.database_kind = storage.kind
            # Access events reach this hub at once and every other process through the feed.
            cluster = Cluster(hub, storage.feed, policy if isinstance(policy, PlanPolicy) else None)
            await storage.feed.start(cluster)
            app.state.settings = settings
            app.state.accounts = AccountService(
                records,
                cluster,
                hashing=hashing,
                session_lifetime_s=settings.session_lifetime_s,
                sign_ups_per_address=settings.sign_ups_per_address,
                attempts=storage.attempts,
            )
            mailer: Mailer | None = None
            if settings.smtp_url is not None:
                mailer = SmtpMailer(parse_smtp_url(settings.smtp_url), settings.mail_from)
            app.state.recovery = PasswordRecovery(
                records,
                cluster,
                app.state.accounts,
                hashing=hashing,
                attempts=storage.attempts,
                mailer=mailer,
                link_base=settings.link_base,
            )
            plan_policy = policy if isinstance(policy, PlanPolicy) else PlanPolicy(records)
            app.state.plans = PlanService(records, plan_policy, cluster, push)
            app.state.push = push
            summaries = Summaries()
            app.state.reviews = ReviewService(records, storage.reviews, store, summaries)
            app.state.caseload = CaseloadService(
                records,
                storage.caseload,
                storage.reviews,
                store,
                summaries,
                zone(settings.time_zone),
            )
            app.state.exports = ExportService(records, hub)
            app.state.erasure = AccountErasure(
                app.state.accounts,
                records,
                storage.erasure,
                plan_policy,
                cluster,
                hub.actors,
                push,
            )
            push.start()
            try:
                yield
            finally:
                await push.close()
                await app.state.recovery.close()
                await storage.feed.close()  # hear no more; what was heard is applied
                await hub.close()
                await cluster.drain()
        finally:
            hashing.close()
            await storage.close()

    def state(name: str) -> Provide:
        def provide(request: Request[Any, Any, Any]) -> Any:
            return getattr(request.app.state, name)

        return Provide(provide, sync_to_thread=False)

    return Litestar(
        route_handlers=[
            health,
            sync_socket,
            client_app,
            AccountController,
            PlanController,
            InviteController,
            RightsController,
            ReviewController,
            CaseloadController,
            PushController,
        ],
        lifespan=[lifespan],
        dependencies={
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "accounts": state("accounts"),
            "plans": state("plans"),
            "reviews": state("reviews"),
            "caseload": state("caseload"),
            "exports": state("exports"),
            "erasure": state("erasure"),
            "recovery": state("recovery"),
            "push": state("push"),
            "identity": Provide(provide_identity),
        },
        exception_handlers={DomainError: _domain_error, NotFoundException: _not_found},
    )
