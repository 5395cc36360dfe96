"""Measure what a burst of sign-ups does to the review digest and to the sign-ups themselves.

    .venv/bin/python scripts/measure_sign_up_burst.py [--sign-ups 20] [--runs 3]

Runs the real server (uvicorn, SQLite in a temporary directory, default settings except
the per-address sign-up limit, which one address would reach at once) in this process.
A person makes a plan with one document; then `--sign-ups` sign-ups are sent at once, and
as soon as the first is answered (all are in the server's hands by then) the person asks
for the plan's digest, whose work runs on the default executor. Reports, per run: the
digest's time idle and during the burst, how many sign-ups had finished before it
answered, the statuses of the burst, and the slowest sign-up.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.settings import Settings  # noqa: E402
from tests.support.api import PASSWORD, ApiUser  # noqa: E402
from tests.support.automerge_docs import new_document_id  # noqa: E402
from tests.support.live_server import live_server  # noqa: E402


def settings(data_dir: Path) -> Settings:
    try:
        return Settings(data_dir=data_dir, sign_ups_per_address=1000)  # type: ignore[call-arg]
    except TypeError:  # a checkout from before the sign-up limit
        return Settings(data_dir=data_dir)


async def timed(call: Awaitable[httpx.Response]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await call
    return (time.perf_counter() - started) * 1000, response


async def one_run(run: int, sign_ups: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        async with live_server(settings(Path(data_dir)), open_access=False) as server:
            person = await ApiUser.sign_up(server.base_url, "person")
            plan = await person.ok(
                "POST", "/api/plans", 201, json={"documentId": new_document_id(), "title": "P"}
            )
            digest_path = f"/api/plans/{plan['id']}/digest"
            idle_ms, _ = await timed(person.call("GET", digest_path))
            finished = 0
            bearer = {"authorization": f"Bearer {person.token}"}
            async with (
                httpx.AsyncClient(base_url=server.base_url, timeout=60) as anonymous,
                httpx.AsyncClient(base_url=server.base_url, timeout=60, headers=bearer) as reader,
            ):

                async def sign_up(i: int) -> tuple[float, int]:
                    nonlocal finished
                    body = {
                        "email": f"burst-{run}-{i}@example.invalid",
                        "password": PASSWORD,
                        "displayName": f"b{i}",
                    }
                    ms, response = await timed(anonymous.post("/api/accounts", json=body))
                    finished += 1
                    return ms, response.status_code

                burst = [asyncio.create_task(sign_up(i)) for i in range(sign_ups)]
                await asyncio.wait(burst, return_when=asyncio.FIRST_COMPLETED)
                busy_ms, digest = await timed(reader.get(digest_path))
                before_digest = finished
                results = await asyncio.gather(*burst)
            await person.close()
    statuses = collections.Counter(status for _, status in results)
    print(  # noqa: T201
        f"run {run}: digest idle {idle_ms:.0f} ms, during the burst {busy_ms:.0f} ms"
        f" (HTTP {digest.status_code}) after {before_digest} of {sign_ups} sign-ups;"
        f" sign-up statuses {dict(sorted(statuses.items()))},"
        f" slowest sign-up {max(ms for ms, _ in results):.0f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sign-ups", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for run in range(args.runs):
        await one_run(run, args.sign_ups)


if __name__ == "__main__":
    asyncio.run(main())
