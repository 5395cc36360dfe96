"""`python -m server` options: places on disk, limits, socket bounds."""

from pathlib import Path

from server.__main__ import _parse
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
