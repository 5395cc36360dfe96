"""Measure how long one large export stalls the server's event loop.

    .venv/bin/python scripts/measure_export.py [--items 1500] [--text 2000] [--runs 5]

Runs the real server (uvicorn, real sockets, SQLite in a temporary directory) in this
process, uploads one `person` document of `--items` items of `--text` characters each over
a real WebSocket (the document stays in memory: its uploader stays connected), then asks
for the plan's export `--runs` times from a thread, while a task on the server's loop
ticks every 5 ms and records the largest gap between ticks (its stall). Reports, per run,
the export's duration and the worst stall, then the same with the document evicted from
memory (read from storage).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.settings import MIB, Settings  # noqa: E402
from tests.support.api import ApiUser  # noqa: E402
from tests.support.automerge_docs import add_item, plan_document  # noqa: E402
from tests.support.live_server import LiveServer, live_server  # noqa: E402
from tests.support.loop_stall import StallMeter  # noqa: E402
from tests.support.plan_circle import create_plan, register, upload  # noqa: E402
from tests.support.wire_peer import WirePeer  # noqa: E402

SECTIONS = ["warning-signs", "coping", "people-places", "help-contacts", "safer"]


def export(base_url: str, token: str, plan_id: str) -> int:
    """One export over HTTP, from a thread of its own (as another process would)."""
    with httpx.Client(base_url=base_url, timeout=120) as http:
        response = http.get(
            f"/api/plans/{plan_id}/export", headers={"authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        return len(response.content)


async def measure(server: LiveServer, user: ApiUser, plan_id: str, runs: int, label: str) -> None:
    meter = StallMeter()
    for run in range(runs):
        await asyncio.sleep(0.05)  # let the meter settle between runs
        meter.reset()
        start = time.perf_counter()
        size = await asyncio.to_thread(export, server.base_url, user.token, plan_id)
        took = time.perf_counter() - start
        print(
            f"{label} run {run + 1}: export {size / MIB:.1f} MiB in {took * 1000:.0f} ms, "
            f"worst loop stall {meter.worst * 1000:.0f} ms"
        )
    await meter.stop()


async def main(items: int, text: int, runs: int) -> None:
    doc = plan_document("person", [*SECTIONS, "review-log"])
    for i in range(items):
        add_item(doc, SECTIONS[i % 5], base64.b64encode(os.urandom(text * 3 // 4)).decode())
    print(f"document: {items} items, save() {len(doc.save()) / MIB:.1f} MiB")
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir))
        async with live_server(settings, open_access=False) as server:
            user = await ApiUser.sign_up(server.base_url, "sam")
            plan = await create_plan(user)
            doc_id = await register(user, plan["id"], "person")
            peer = await WirePeer.connect(user.sync_url(server.url))
            await upload(peer, doc_id, doc)
            await measure(server, user, plan["id"], runs, "in memory")
            await peer.close()
            server.hub.documents.memory_budget = 0
            server.hub.documents.evict_idle()
            await measure(server, user, plan["id"], runs, "from storage")
            await user.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--text", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(main(args.items, args.text, args.runs))
