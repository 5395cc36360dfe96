"""`python -m server` options: places on disk, limits, socket bounds."""

from pathlib import Path

import pytest

from server.__main__ import _parse
from server.database_url import PostgresLocation, SqliteLocation
from tests.conftest import REPO_ROOT


def test_the_client_is_served_from_this_checkouts_build_by_default() -> None:
    settings, _ = _parse([])

    assert settings.client_dir == REPO_ROOT / "client" / "dist"
    assert settings.client_dir.is_absolute()


def test_client_dir_names_another_build() -> None:
    settings, _ = _parse(["--client-dir", "/srv/plans/app", "--data-dir", "/srv/plans/data"])

    assert settings.client_dir == Path("/srv/plans/app")
    assert settings.data_dir == Path("/srv/plans/data")


def test_the_sign_up_limit_per_address_can_be_raised_for_benchmarks() -> None:
    default, _ = _parse([])
    raised, _ = _parse(["--sign-ups-per-address", "1000"])

    assert default.sign_ups_per_address == 20
    assert raised.sign_ups_per_address == 1000


def test_max_connections_and_request_timeout_bound_sockets() -> None:
    settings, _ = _parse(["--max-connections", "300", "--request-timeout", "2.5"])

    assert settings.max_connections == 300
    assert settings.request_timeout_s == 2.5


def test_without_a_database_url_the_data_lives_in_sqlite_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings, _ = _parse(["--data-dir", "/srv/plans/data"])

    assert settings.database == SqliteLocation(Path("/srv/plans/data/plans.db"))


def test_database_names_postgresql_on_the_command_line_or_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://plans:secret@db.internal:5432/plans"
    from_flag, _ = _parse(["--database", url])
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/plans/other.db")
    from_env, _ = _parse([])
    flag_wins, _ = _parse(["--database", url])

    assert from_flag.database == PostgresLocation(url)
    assert from_env.database == SqliteLocation(Path("/srv/plans/other.db"))
    assert flag_wins.database == PostgresLocation(url)


def test_a_database_url_naming_nothing_usable_stops_at_once_without_its_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _parse(["--database", "mysql://plans:hunter2@db/plans"])

    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "unsupported database URL" in error
    assert "hunter2" not in error


def test_mail_settings_come_from_flags_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMTP_URL", "smtps://plans:secret@mail.internal")
    monkeypatch.setenv("PUBLIC_URL", "https://plans.example.org/")
    from_env, _ = _parse(["--host", "0.0.0.0", "--mail-from", "plans@example.org"])  # noqa: S104
    monkeypatch.delenv("SMTP_URL")
    monkeypatch.delenv("PUBLIC_URL")
    none, _ = _parse([])

    assert from_env.smtp_url == "smtps://plans:secret@mail.internal"
    assert from_env.link_base == "https://plans.example.org"
    assert from_env.mail_from == "plans@example.org"
    assert (none.smtp_url, none.public_url, none.link_base) == (None, None, "http://127.0.0.1:8080")


def test_mail_off_loopback_needs_the_public_url_links_point_to(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(SystemExit) as stopped:
        _parse(["--host", "0.0.0.0", "--smtp-url", "smtp://mail.internal"])  # noqa: S104

    assert stopped.value.code == 2
    assert "--smtp-url needs --public-url" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://plans:hunter2@mail.internal", "the scheme must be"),
        ("smtp://plans:hunter2@mail.internal:99999", "the port must be"),
        ("smtp://plans:hunter2@", "a host is needed"),
    ],
)
def test_an_smtp_url_naming_nothing_usable_stops_at_once_without_its_password(
    url: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _parse(["--smtp-url", url])

    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert why in error
    assert "hunter2" not in error


def test_free_form_documents_are_for_benchmarks_on_loopback_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    default, _ = _parse([])
    bench, _ = _parse(["--free-form-documents"])
    with pytest.raises(SystemExit) as stopped:
        _parse(["--host", "0.0.0.0", "--free-form-documents"])  # noqa: S104

    assert (default.free_form_documents, bench.free_form_documents) == (False, True)
    assert stopped.value.code == 2
    assert "loopback --host only" in capsys.readouterr().err


def test_the_services_days_are_londons_unless_another_zone_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    default, _ = _parse([])
    named, _ = _parse(["--time-zone", "Europe/Dublin"])
    with pytest.raises(SystemExit):
        _parse(["--time-zone", "Nowhere/Else"])

    assert default.time_zone == "Europe/London"
    assert named.time_zone == "Europe/Dublin"
    assert "--time-zone: unknown time zone 'Nowhere/Else'" in capsys.readouterr().err
