"""`python -m server.openapi`: print the HTTP API's OpenAPI schema (shared/openapi.json)."""

import json
import sys
from pathlib import Path

from server.app import create_app
from server.settings import Settings


def openapi_json() -> str:
    schema = create_app(Settings(data_dir=Path("unused"))).openapi_schema.to_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(openapi_json())
