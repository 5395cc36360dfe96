"""Where the data lives: `--database URL` (or DATABASE_URL), read into a location.

    sqlite:///relative/path.db     a SQLite file (three slashes, then the path as given)
    sqlite:////srv/plans/plans.db  an absolute path (the fourth slash is the path's own)
    postgresql://user:password@host:port/database   (also postgres://...)

Without a URL the server uses SQLite in DIR/plans.db (`--data-dir DIR`), as it always has.
"""

from pathlib import Path
from urllib.parse import urlsplit

import msgspec

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")


class SqliteLocation(msgspec.Struct, frozen=True):
    path: Path


class PostgresLocation(msgspec.Struct, frozen=True):
    url: str

    def __repr__(self) -> str:  # never show the password in a log or a traceback
        return f"PostgresLocation({without_password(self.url)!r})"


DatabaseLocation = SqliteLocation | PostgresLocation


class BadDatabaseUrl(ValueError):
    """The URL names no database this server can use; the message says what would."""


def parse_database_url(url: str) -> DatabaseLocation:
    """The location a URL names; BadDatabaseUrl (never echoing a password) if none."""
    if url.startswith(SQLITE_PREFIX):
        path = url.removeprefix(SQLITE_PREFIX)
        if not path or path.endswith("/"):
            raise BadDatabaseUrl("a sqlite URL needs a file: sqlite:///data/plans.db")
        return SqliteLocation(Path(path))
    parts = urlsplit(url)
    if parts.scheme in POSTGRES_SCHEMES:
        if not parts.path.strip("/"):
            raise BadDatabaseUrl(
                "a postgresql URL needs a database name: postgresql://user:pass@host:5432/plans"
            )
        return PostgresLocation(url)
    raise BadDatabaseUrl(
        f"unsupported database URL {without_password(url)!r}: use sqlite:///PATH or"
        " postgresql://user:pass@host:port/database"
    )


def without_password(url: str) -> str:
    """The URL with any password replaced by ***, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
