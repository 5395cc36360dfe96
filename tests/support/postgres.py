"""A real PostgreSQL server for the tests: Debian's binaries, started once per test session.

`initdb` in a temporary directory, `pg_ctl start` on a free loopback port with password
authentication (a password generated now), stopped and removed at the end of the session.
PostgreSQL refuses to run as root: as root the server runs as the `postgres` user that
Debian's `postgresql` package creates (`.ci/run` installs the package when it is missing).
Each test gets a database of its own (`CREATE DATABASE ... TEMPLATE template0`), dropped after.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from tests.support.server_process import free_port

SUPERUSER = "postgres"
START_TIMEOUT_S = 60
MISSING = (
    "PostgreSQL is needed by these tests and was not found: install Debian's `postgresql`"
    " package (`apt-get install -y postgresql`; .ci/run does so) so that `pg_config --bindir`"
    " or /usr/lib/postgresql/*/bin holds initdb, pg_ctl and postgres"
)


class PostgresMissing(RuntimeError):
    """The binaries (or, as root, the `postgres` user) are not on this machine."""


def bindir() -> Path:
    """Where initdb, pg_ctl and postgres are: pg_config's answer, else the newest Debian one."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False, timeout=30
        )
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    debian = Path("/usr/lib/postgresql")
    versions = [p for p in debian.glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return candidate
    raise PostgresMissing(MISSING)


class PostgresServer:
    """One running cluster; `database()` makes a fresh database and gives its URL."""

    def __init__(self, root: Path, port: int, password: str, as_user: str | None) -> None:
        self.root = root
        self.port = port
        self.password = password
        self._as_user = as_user
        self._bin = bindir()

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> None:
        kwargs: dict[str, Any] = {"user": self._as_user} if self._as_user else {}
        result = subprocess.run(
            [str(self._bin / tool), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            timeout=START_TIMEOUT_S + 30,
            **kwargs,
        )
        if result.returncode != 0:
            log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
            raise RuntimeError(
                f"{tool} failed ({result.returncode}): {result.stderr or result.stdout}\n{log}"
            )

    def start(self) -> None:
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n")
        self._chown(password_file)
        self._run(
            "initdb",
            "--pgdata", str(self.data_dir),
            "--username", SUPERUSER,
            "--pwfile", str(password_file),
            "--auth-local", "trust",
            "--auth-host", "scram-sha-256",
            "--encoding", "UTF8",
            "--locale", "C",
            "--no-sync",
        )  # fmt: skip
        password_file.unlink()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        self._run(
            "pg_ctl", "--pgdata", str(self.data_dir), "--log", str(self.log_path),
            "--options", options, "--wait", "--timeout", str(START_TIMEOUT_S), "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "--pgdata", str(self.data_dir), "--mode", "fast", "--wait", "stop")

    def _chown(self, path: Path) -> None:
        if self._as_user:
            user = pwd.getpwnam(self._as_user)
            os.chown(path, user.pw_uid, user.pw_gid)

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A new, empty database for one test; its URL. Dropped afterwards."""
        name = f"t_{uuid.uuid4().hex}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
            )
        try:
            yield self.url(name)
        finally:
            with psycopg.connect(self.url(), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a cluster for the session (PostgresMissing if this machine cannot)."""
    bindir()  # fail before making anything
    as_user: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise PostgresMissing(
                "running as root, PostgreSQL needs the `postgres` user (Debian's postgresql"
                " package creates it; .ci/run installs the package)"
            ) from None
        as_user = SUPERUSER
    root = Path(tempfile.mkdtemp(prefix="sps-postgres-"))
    server = PostgresServer(root, free_port(), secrets.token_urlsafe(24), as_user)
    server._chown(root)
    try:
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
