"""Database URLs: which database each names, and the clear refusals."""

from pathlib import Path

import pytest

from server.database_url import (
    BadDatabaseUrl,
    PostgresLocation,
    SqliteLocation,
    parse_database_url,
    without_password,
)


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("sqlite:///data/plans.db", SqliteLocation(Path("data/plans.db"))),
        ("sqlite:////srv/plans/plans.db", SqliteLocation(Path("/srv/plans/plans.db"))),
        ("postgresql://u:p@h:5432/plans", PostgresLocation("postgresql://u:p@h:5432/plans")),
        ("postgres://h/plans", PostgresLocation("postgres://h/plans")),
    ],
)
def test_a_url_names_a_sqlite_file_or_a_postgresql_database(
    url: str, location: SqliteLocation | PostgresLocation
) -> None:
    assert parse_database_url(url) == location


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:///", "needs a file"),
        ("sqlite:///data/", "needs a file"),
        ("postgresql://u:p@h:5432", "needs a database name"),
        ("plans.db", "unsupported database URL"),
        ("mysql://u:p@h/plans", "unsupported database URL"),
    ],
)
def test_a_url_naming_nothing_usable_says_what_would_do(url: str, says: str) -> None:
    with pytest.raises(BadDatabaseUrl, match=says) as refused:
        parse_database_url(url)

    assert ":p@" not in str(refused.value)


def test_a_password_is_never_shown() -> None:
    location = PostgresLocation("postgresql://plans:s3cret@db:5432/plans")

    assert without_password(location.url) == "postgresql://plans:***@db:5432/plans"
    assert "s3cret" not in repr(location)
    assert without_password("postgresql://db/plans") == "postgresql://db/plans"
