"""The committed OpenAPI schema is the one the server serves."""

from server.openapi import openapi_json
from tests.conftest import REPO_ROOT


def test_shared_openapi_json_is_up_to_date() -> None:
    committed = (REPO_ROOT / "shared" / "openapi.json").read_text(encoding="utf-8")

    assert committed == openapi_json(), "run: python -m server.openapi > shared/openapi.json"
