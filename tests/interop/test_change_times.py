"""Change times as the API shows them, for changes the official client makes now.

Automerge records a change's time in whole seconds; the server once read them as
milliseconds, so every change of the app showed as made in January 1970.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from api_client import Api
from plan_docs import add, plan_doc

if TYPE_CHECKING:
    from conftest import ClientFactory, ServerHandle

SLACK_S = 30  # the client and the server share this machine's clock


def seconds(iso: str | None) -> float:
    assert iso is not None, "a change of the official client has a time"
    return datetime.fromisoformat(iso).timestamp()


async def test_the_digest_and_the_change_log_show_when_the_change_was_made(
    server: ServerHandle, clients: ClientFactory, api: Api
) -> None:
    alex = await api.account("Alex")
    lee = await api.account("Dr Lee")
    client = await clients.new("alex", server.sync_url(alex))
    before = time.time()
    created, plan = await api.new_plan(alex, client, plan_doc(sections={"coping": ["a walk"]}))
    await api.grant(alex, plan["id"], lee, "clinician")
    await client.change(created["url"], add("coping", "call Sam"))
    await client.server_ack(created["url"])
    after = time.time()

    digest = await api.call("GET", f"/api/plans/{plan['id']}/digest", token=lee.token)
    entries = [e for p in digest["people"] for e in p["entries"]]
    added = next(e for e in entries if e["kind"] == "added" and e["after"]["text"] == "call Sam")
    assert before - SLACK_S <= seconds(added["changeTime"]) <= after + SLACK_S, added
    assert before - SLACK_S <= seconds(added["receivedAt"]) <= after + SLACK_S, added

    log = await api.changes(lee, plan["id"])
    assert log, "the plan's changes are listed"
    for change in log:
        assert before - SLACK_S <= seconds(change["changeTime"]) <= after + SLACK_S, change
