"""`python -m server reset-password EMAIL`: an operator sets an account's password.

For servers with no SMTP server to send reset links. The new password is read from the
terminal (asked twice, not echoed) or, when stdin is not a terminal, from its first line;
never from the command line, where other users of the machine could read it in the process
list, and it is never printed or logged. Every session and device token of the account
ends; a server running meanwhile closes sockets already open with them when it restarts.
"""

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from server.auth.credentials import PasswordHashing
from server.auth.recovery import operator_reset
from server.database_url import BadDatabaseUrl, parse_database_url
from server.errors import DomainError
from server.settings import Settings
from server.storage.backends import open_storage


def _parse(argv: list[str]) -> tuple[str, Settings]:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m server reset-password", description=__doc__)
    parser.add_argument("email")
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL") or None,
        metavar="URL",
        help="as for the server (also DATABASE_URL; default: SQLite in DATA_DIR/plans.db)",
    )
    args = parser.parse_args(argv)
    if args.database is not None:
        try:
            parse_database_url(args.database)
        except BadDatabaseUrl as e:
            parser.error(f"--database: {e}")
    return args.email, Settings(data_dir=args.data_dir, database_url=args.database)


def _new_password() -> str | None:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("The same again: ") != first:
        return None
    return first


async def _reset(settings: Settings, email: str, password: str) -> int | None:
    storage = await open_storage(settings.database)
    hashing = PasswordHashing(max_waiting=1)
    try:
        reset = await operator_reset(storage.records, hashing, storage.attempts, email, password)
    finally:
        hashing.close()
        await storage.close()
    return None if reset is None else len(reset.ended_credential_ids)


def _say(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")


def reset_password(argv: list[str]) -> int:
    """The command; its exit status (0: set, 1: no such account or refused)."""
    email, settings = _parse(argv)
    password = _new_password()
    if password is None:
        _say(sys.stderr, "The two passwords differ; nothing was changed.")
        return 1
    try:
        ended = asyncio.run(_reset(settings, email, password))
    except DomainError as e:  # a password the rules refuse, or the database failing
        _say(sys.stderr, f"Nothing was changed: {e}.")
        return 1
    if ended is None:
        _say(sys.stderr, "No account has this email address; nothing was changed.")
        return 1
    _say(
        sys.stdout,
        f"The password is set. {ended} session(s) and device token(s) of the account ended;"
        " a running server closes sockets already open with them when it restarts.",
    )
    return 0
