"""The committed OpenAPI schema is the one the server serves."""

import json

from server.openapi import openapi_json
from server.roles import Role
from tests.conftest import REPO_ROOT


def test_shared_openapi_json_is_up_to_date() -> None:
    committed = (REPO_ROOT / "shared" / "openapi.json").read_text(encoding="utf-8")

    assert committed == openapi_json(), "run: python -m server.openapi > shared/openapi.json"


def _role_schemas(node: object) -> list[object]:
    """The schema of every property named like a role, anywhere in `node`."""
    found: list[object] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found += [v for k, v in value.items() if k in ("role", "yourRole", "previousRole")]
            found += _role_schemas(value)
    elif isinstance(node, list):
        for value in node:
            found += _role_schemas(value)
    return found


def test_every_role_in_the_api_is_the_one_role_type() -> None:
    schema = json.loads(openapi_json())
    role_ref = {"$ref": "#/components/schemas/Role"}

    assert schema["components"]["schemas"]["Role"]["enum"] == [r.value for r in Role]
    roles = _role_schemas(schema["components"]["schemas"])
    assert len(roles) >= 10
    for found in roles:
        assert found == role_ref or found == {"oneOf": [role_ref, {"type": "null"}]}, found
