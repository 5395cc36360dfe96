"""Plan documents as plain JSON for the Node clients, in the shape the server accepts.

The server refuses anything that does not fit a plan document (server/plans/shape_rules.py,
docs/plan-document.md), so the interop tests write what the app writes: items of sections.
"""

from __future__ import annotations

import secrets
from typing import Any


def item(text: str, item_id: str | None = None) -> dict[str, Any]:
    """An item as `addItem` (client/src/docs/plan.ts) writes it."""
    return {"id": item_id or secrets.token_hex(12), "text": text, "made": 1, "edit": {"at": 1}}


def plan_doc(
    audience: str = "everyone", sections: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """A new plan document of `audience` holding these sections' items (texts)."""
    return {
        "schema": 1,
        "audience": audience,
        "sections": {sid: [item(t) for t in texts] for sid, texts in (sections or {}).items()},
        "proposals": [],
    }


def add(section: str, text: str, item_id: str | None = None) -> dict[str, Any]:
    """The Node client's op that adds an item to `section`."""
    return {"op": "push", "path": ["sections", section], "value": item(text, item_id)}


def texts(doc: dict[str, Any], section: str) -> list[str]:
    """The texts of a section's items, in order."""
    return [i["text"] for i in doc["sections"][section]]
