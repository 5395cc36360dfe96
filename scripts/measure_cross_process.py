"""Measure cross-process delivery: an edit sent to process A, received by a subscriber of B.

    .venv/bin/python scripts/measure_cross_process.py [--edits 300] [--warmup 20] [--reader-on a]
        [--busy N]

Starts a local PostgreSQL (as the tests do: tests/support/postgres.py, fsync on) and two
server processes (`python -m server --database postgresql://...`) on it. A person's socket
on A and a member's socket on B share one plan document. Each edit: the person writes a
note and sends it to A; the time until B's subscriber holds it is one sample. That covers
A applying and committing it (WAL flush), the NOTIFY, B reading the log after its position,
and B's sync message. Reports p50, p99 and max in milliseconds (goal: p99 < 100 ms).
`--reader-on a`: the subscriber on A too, the same path within one process, for comparison.
`--busy N`: N CPU-bound processes spin meanwhile, so the tail of a saturated machine shows
even when nothing else runs (each stands for one busy worker of a loaded CI machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.api import ApiUser  # noqa: E402
from tests.support.automerge_docs import new_document_id, put_note, read_note  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402
from tests.support.server_process import ServerHandle, free_port  # noqa: E402
from tests.support.wire_peer import WirePeer  # noqa: E402


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(
    a: ServerHandle, b: ServerHandle, edits: int, warmup: int, reader_on_a: bool, acks: list[float]
) -> list[float]:
    person = await ApiUser.sign_up(a.base_url, "Person")
    member = await ApiUser.sign_up(a.base_url, "Member")
    try:
        doc_id = new_document_id()
        plan = await person.ok("POST", "/api/plans", 201, json={"documentId": doc_id, "title": "P"})
        invite = await person.ok(
            "POST", f"/api/plans/{plan['id']}/invites", 201, json={"role": "carer"}
        )
        await member.ok("POST", f"/api/invites/{invite['code']}/accept")
        writer = await WirePeer.connect(person.sync_url(a.url), "writer")
        reader = await WirePeer.connect(member.sync_url((a if reader_on_a else b).url), "reader")
        put_note(writer.doc(doc_id), "n", "0")
        await writer.sync(doc_id)
        await reader.receive_until(doc_id, lambda d: read_note(d, "n") == "0", request=True)
        samples: list[float] = []
        for i in range(1, warmup + edits + 1):
            put_note(writer.doc(doc_id), "n", str(i))
            started = time.perf_counter()
            received = asyncio.ensure_future(
                reader.receive_until(doc_id, lambda d, i=i: read_note(d, "n") == str(i))
            )
            await writer.sync(doc_id)
            acknowledged = time.perf_counter()
            await received
            if i > warmup:
                samples.append((time.perf_counter() - started) * 1000)
                acks.append((acknowledged - started) * 1000)
        await writer.close()
        await reader.close()
        return samples
    finally:
        await person.close()
        await member.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--reader-on", choices=["a", "b"], default="b")
    parser.add_argument("--busy", type=int, default=0)
    parser.add_argument("--samples", help="append the samples here (JSON lines), for pooling")
    args = parser.parse_args()
    spinners = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", "while True: pass")
        for _ in range(args.busy)
    ]
    acks: list[float] = []
    try:
        samples = await run(args, acks)
    finally:
        for spinner in spinners:
            spinner.kill()
            await spinner.wait()
    extra = [max(0.0, s - a) for s, a in zip(samples, acks, strict=True)]
    if args.samples:
        with Path(args.samples).open("a", encoding="utf-8") as out:  # noqa: ASYNC230 - at the end
            out.write(json.dumps({"delivery": samples, "ack": acks}) + "\n")
    print(  # noqa: T201 - the script's report
        f"edit on A -> subscriber on {args.reader_on.upper()}, {len(samples)} edits"
        f" ({args.busy} busy):"
        f" p50 {percentile(samples, 50):.1f} ms, p99 {percentile(samples, 99):.1f} ms,"
        f" max {max(samples):.1f} ms, mean {statistics.mean(samples):.1f} ms;"
        f" A's acknowledgement to the writer: p50 {percentile(acks, 50):.1f} ms,"
        f" p99 {percentile(acks, 99):.1f} ms; delivery after that acknowledgement: p50"
        f" {percentile(extra, 50):.1f} ms, p99 {percentile(extra, 99):.1f} ms"
    )


async def run(args: argparse.Namespace, acks: list[float]) -> list[float]:
    with (
        postgres_server() as postgres,
        tempfile.TemporaryDirectory() as tmp,
        postgres.database() as url,
    ):
        servers = []
        for name in ("a", "b"):
            (Path(tmp) / name).mkdir()
            servers.append(
                ServerHandle(
                    free_port(), Path(tmp) / name, Path(tmp) / f"{name}.log", database_url=url
                )
            )
        try:
            for server in servers:
                await server.start()
            samples = await measure(
                servers[0], servers[1], args.edits, args.warmup, args.reader_on == "a", acks
            )
        finally:
            for server in servers:
                await server.teardown()
    return samples


if __name__ == "__main__":
    asyncio.run(main())
