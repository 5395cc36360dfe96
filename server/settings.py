"""Settings: every tunable of the server in one Struct, filled from the command line or env."""

from pathlib import Path

import msgspec

from server.database_url import DatabaseLocation, SqliteLocation, parse_database_url

KIB = 1024
MIB = 1024 * KIB
MAX_EPHEMERAL_BYTES = 64 * KIB  # the default of Settings.max_ephemeral_bytes
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# The PWA as `npm run build` leaves it in the repository (the parent of this package).
CLIENT_DIST = Path(__file__).resolve().parent.parent / "client" / "dist"


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    # `--database` / DATABASE_URL (server/database_url.py); None: SQLite in data_dir.
    database_url: str | None = None
    # Whole documents travel in one frame (sync-protocol.md 1, 5.3): keep this far above the
    # largest plan, or an upload loops forever through 5 s reconnects.
    max_message_bytes: int = 64 * MIB
    # Changes that would take one document's stored size (its last snapshot plus the changes
    # logged since) past this are refused: one phone cannot grow a plan until nobody can load
    # it. A whole plan must still fit one frame as changes (less compressed than a snapshot),
    # hence a quarter of the frame limit; a plan of 100 items with years of edits is < 1 MiB.
    max_document_bytes: int = 4 * MIB
    # Idle documents (nobody syncing them) are dropped from memory, least recently used first,
    # once the estimated size of all loaded documents passes this budget.
    document_memory_budget: int = 256 * MIB
    # A snapshot (doc.save()) is written once this many changes have been logged since the last.
    snapshot_every: int = 500
    join_timeout_s: float = 30.0
    # Open sockets (HTTP and WebSocket) served; beyond, requests get 503 and sockets an
    # `error` (server/connections.py). Lowered at start if the open-file limit is smaller.
    max_connections: int = 1000
    health_reserve: int = 16  # connections beyond max_connections kept for /api/health
    # A connection that has not sent a complete request this long after opening (or after
    # its last response) is closed.
    request_timeout_s: float = 10.0
    ping_interval_s: float = 20.0
    # Per-connection flood limit: a token bucket of messages.
    messages_per_second: float = 500.0
    message_burst: int = 5000
    # A client that does not read its socket is dropped (queue discarded, socket aborted)
    # once this much waits for it. Keep it above max_message_bytes: a whole document is one
    # frame.
    max_outbound_bytes: int = 256 * MIB
    # A peer being closed has this long to take its last frames (an `error` saying why);
    # then its socket is aborted with whatever it did not read.
    close_grace_s: float = 10.0
    # Largest `data` of an ephemeral message (presence, app broadcasts); a larger one closes
    # the connection. The official client's presence messages are a few hundred bytes.
    max_ephemeral_bytes: int = MAX_EPHEMERAL_BYTES
    server_peer_id: str | None = None
    # Origins (scheme://host[:port]) whose pages may use the session cookie, besides the
    # server's own origin. Cookie-authenticated WebSockets and state-changing requests from
    # any other Origin are refused.
    allowed_origins: tuple[str, ...] = ()
    # The built PWA, served at / (index.html, sw.js, assets/...).
    client_dir: Path = CLIENT_DIST
    # A sign-in session (the cookie) ends this long after sign-in; its sockets close then.
    session_lifetime_s: float = 14 * 24 * 3600.0
    # Sign-up attempts allowed per client address in an hour.
    sign_ups_per_address: int = 20
    # Password hashes (sign-up, sign-in, account deletion) waiting for one of the two hashing
    # threads; beyond this a request gets 503 at once rather than waiting in an endless line.
    password_hash_queue: int = 16
    # For the benchmark harness only (its documents are `{log: [...]}`, not plans): the shape
    # rules of plan documents (plans/shape_rules.py) are not applied. Registration, access on
    # every message, the write rules by role, size limits and attribution all still are. The
    # command line accepts it only with a loopback --host.
    free_form_documents: bool = False

    # Password-reset mail: the SMTP server (server/auth/mail.py says the URL's forms; None: no
    # mail, an operator resets passwords with `python -m server reset-password EMAIL`), the
    # sender, and the address people open the app at, which reset links start with.
    smtp_url: str | None = None
    mail_from: str = "safety-plan@localhost"
    public_url: str | None = None

    # Web Push (server/push/): reviews due tomorrow are told from this hour (UTC) on, checked
    # at start and every `push_check_interval_s`. `push_to_loopback` (tests only; the command
    # line accepts it only with a loopback --host) lets subscriptions name http://127.0.0.1
    # endpoints; otherwise an endpoint must be https on a public address.
    push_review_hour: int = 9
    # The service's days and hours (a review due "tomorrow", the caseload's "today", the hour
    # before which nobody is woken): an IANA zone, the UK's by default. UTC days would wake a
    # clinician at 00:30 in a British summer and call a review due today "tomorrow".
    time_zone: str = "Europe/London"
    push_check_interval_s: float = 3600.0
    push_to_loopback: bool = False

    @property
    def link_base(self) -> str | None:
        """Where links in mail point: `public_url`, else this server itself on loopback.

        Never the request's Host header: anyone asking for a reset could make the link
        (and so the token) go to a site of theirs. Off loopback, `public_url` is required
        with mail (the command line refuses to start without it).
        """
        if self.public_url is not None:
            return self.public_url.rstrip("/")
        if self.binds_loopback_only:
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"http://{host}:{self.port}"
        return None

    @property
    def database_path(self) -> Path:
        """The default SQLite file (DIR/plans.db), used when no database URL is given."""
        return self.data_dir / "plans.db"

    @property
    def database(self) -> DatabaseLocation:
        """Where the data lives (BadDatabaseUrl if the URL names nothing usable)."""
        if self.database_url is None:
            return SqliteLocation(self.database_path)
        return parse_database_url(self.database_url)

    @property
    def binds_loopback_only(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")
