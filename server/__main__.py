"""`python -m server`: run the sync server in the foreground under uvicorn.

`python -m server reset-password EMAIL` sets an account's password instead
(server/reset_command.py).

Exits 0 on SIGTERM or SIGINT after closing connections, finishing commits and snapshots.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import uvicorn

from server.app import create_app
from server.auth.mail import BadSmtpUrl, parse_smtp_url
from server.clock import zone
from server.database_url import BadDatabaseUrl, parse_database_url
from server.errors import StorageError
from server.logs import collapse_repeats
from server.reset_command import reset_password
from server.runner import hand_back_the_gil_sooner, return_freed_memory, uvicorn_config
from server.settings import Settings
from server.storage.backends import open_storage

log = logging.getLogger("server")


def _parse(argv: list[str]) -> tuple[Settings, str]:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL") or None,
        metavar="URL",
        help="sqlite:///PATH or postgresql://user:pass@host:port/db (also DATABASE_URL;"
        " default: SQLite in DATA_DIR/plans.db)",
    )
    parser.add_argument(
        "--client-dir",
        type=Path,
        default=defaults.client_dir,
        help="the built PWA served at / (default: client/dist of this checkout)",
    )
    parser.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        help="another origin (scheme://host[:port]) allowed to use the session cookie",
    )
    parser.add_argument(
        "--max-message-size", type=int, default=defaults.max_message_bytes, help="bytes per frame"
    )
    parser.add_argument(
        "--max-document-size",
        type=int,
        default=defaults.max_document_bytes,
        help="stored bytes of one document beyond which its changes are refused",
    )
    parser.add_argument(
        "--memory-budget",
        type=int,
        default=defaults.document_memory_budget,
        help="bytes of idle documents kept in memory",
    )
    parser.add_argument("--snapshot-every", type=int, default=defaults.snapshot_every)
    parser.add_argument("--messages-per-second", type=float, default=defaults.messages_per_second)
    parser.add_argument("--message-burst", type=int, default=defaults.message_burst)
    parser.add_argument(
        "--sign-ups-per-address",
        type=int,
        default=defaults.sign_ups_per_address,
        help="sign-up attempts allowed per client address in an hour",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        help="open sockets served; beyond, 503 (HTTP) or an error and close 1013 (WebSocket)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=defaults.request_timeout_s,
        help="seconds a connection may take to send a complete request",
    )
    parser.add_argument(
        "--smtp-url",
        default=os.environ.get("SMTP_URL") or None,
        metavar="URL",
        help="SMTP server for password-reset mail: smtp://, smtp+starttls:// or smtps://"
        "[user:password@]host[:port] (also SMTP_URL; default: no mail)",
    )
    parser.add_argument(
        "--mail-from",
        default=os.environ.get("MAIL_FROM") or defaults.mail_from,
        help="the sender of password-reset mail (also MAIL_FROM)",
    )
    parser.add_argument(
        "--public-url",
        default=os.environ.get("PUBLIC_URL") or None,
        metavar="URL",
        help="where people open the app (https://plans.example.org), which reset links"
        " start with (also PUBLIC_URL; needed with --smtp-url unless on loopback)",
    )
    parser.add_argument(
        "--free-form-documents",
        action="store_true",
        help="benchmarks only: accept documents that are not plan-shaped (access and write"
        " rules by role still apply); refused unless --host is a loopback address",
    )
    parser.add_argument(
        "--push-to-loopback",
        action="store_true",
        help="tests only: accept Web Push endpoints on http://127.0.0.1; refused unless"
        " --host is a loopback address",
    )
    parser.add_argument(
        "--time-zone",
        default=defaults.time_zone,
        metavar="ZONE",
        help="the service's days: reviews due tomorrow, the caseload's today, and the hour"
        f" before which nobody is told of a review (IANA name; default {defaults.time_zone})",
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    try:
        zone(args.time_zone)
    except ValueError as e:
        parser.error(f"--time-zone: {e}")
    _check_mail(parser, args)
    if args.max_connections < 1 or args.request_timeout <= 0:
        parser.error("--max-connections and --request-timeout must be positive")
    if args.database is not None:
        try:
            parse_database_url(args.database)
        except BadDatabaseUrl as e:
            parser.error(f"--database: {e}")
    settings = Settings(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        database_url=args.database,
        client_dir=args.client_dir,
        allowed_origins=tuple(args.allowed_origin),
        max_message_bytes=args.max_message_size,
        max_document_bytes=args.max_document_size,
        document_memory_budget=args.memory_budget,
        snapshot_every=args.snapshot_every,
        messages_per_second=args.messages_per_second,
        message_burst=args.message_burst,
        sign_ups_per_address=args.sign_ups_per_address,
        max_connections=args.max_connections,
        request_timeout_s=args.request_timeout,
        smtp_url=args.smtp_url,
        mail_from=args.mail_from,
        public_url=args.public_url,
        free_form_documents=args.free_form_documents,
        push_to_loopback=args.push_to_loopback,
        time_zone=args.time_zone,
    )
    if settings.push_to_loopback and not settings.binds_loopback_only:
        parser.error("--push-to-loopback is for tests on a loopback --host only")
    if settings.free_form_documents and not settings.binds_loopback_only:
        parser.error("--free-form-documents is for benchmarks on a loopback --host only")
    if settings.smtp_url is not None and settings.link_base is None:
        parser.error("--smtp-url needs --public-url (the address reset links point to)")
    return settings, args.log_level


def _check_mail(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.smtp_url is not None:
        try:
            parse_smtp_url(args.smtp_url)
        except BadSmtpUrl as e:  # the reason only: the URL may hold a password
            parser.error(f"--smtp-url: {e}")
    public = args.public_url
    if public is not None and not public.startswith(("https://", "http://")):
        parser.error("--public-url must start with https:// (or http://)")


def _storage_opens(settings: Settings) -> bool:
    """Open (create, migrate, write) the database once before serving; one line if not."""

    async def open_and_close() -> None:
        storage = await open_storage(settings.database)
        await storage.close()

    try:
        asyncio.run(open_and_close())
    except StorageError as e:
        log.critical("cannot start: %s", e)
        return False
    return True


def main(argv: list[str]) -> int:
    if argv[:1] == ["reset-password"]:
        return reset_password(argv[1:])
    settings, log_level = _parse(argv)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.free_form_documents:
        log.warning("--free-form-documents: plan documents' shape is not checked (benchmarks only)")
    if not _storage_opens(settings):
        return 1
    return_freed_memory()
    hand_back_the_gil_sooner()
    config = uvicorn_config(create_app(settings), settings, log_level)
    collapse_repeats()
    # uvicorn re-raises the signal it shut down on; with these no-op handlers in place that
    # ends the process with status 0 instead of dying by the signal.
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
