"""Measure what hostile frames cost the codec: time and peak memory per frame.

    .venv/bin/python scripts/measure_decode.py [--runs 5] [--big]

For every frame of tests/support/hostile_frames.py (each at most 1 MiB) and two legitimate
sync messages (1 MiB and 64 MiB of `data`), runs `codec.decode` `--runs` times and reports
the slowest run (the event loop stalls for that long) and the peak of Python allocations
during one decode (tracemalloc), as a multiple of the frame's size. `--big` adds a 64 MiB
array of empty maps (the default `--max-message-size`). Refused frames show the refusal.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import cbor2

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from server.sync import codec  # noqa: E402
from tests.support.hostile_frames import HOSTILE, head, hostile_frame, message_with  # noqa: E402

MIB = 1024 * 1024


def _decode(frame: bytes) -> str:
    try:
        codec.decode(frame)
    except codec.DecodeError as e:
        return f"refused: {str(e)[:60]}"
    return "accepted"


def _sync(size: int) -> bytes:
    return cbor2.dumps({"type": "sync", "senderId": "a", "documentId": "d", "data": b"\x43" * size})


def measure(name: str, frame: bytes, runs: int) -> float:
    worst = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        outcome = _decode(frame)
        worst = max(worst, time.perf_counter() - start)
    tracemalloc.start()
    _decode(frame)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{name:34} {len(frame) / MIB:7.3f} MiB {worst * 1000:9.2f} ms "
        f"{peak / MIB:9.2f} MiB ({peak / len(frame):6.2f}x)  {outcome}"
    )
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big", action="store_true", help="add a 64 MiB array of empty maps")
    args = parser.parse_args()
    print(f"{'frame':34} {'size':>11} {'worst':>12} {'peak alloc':>12} (x size)")
    worst = max(measure(name, hostile_frame(name), args.runs) for name in HOSTILE)
    if args.big:
        big = message_with(head(4, 64 * MIB - 64) + b"\xa0" * (64 * MIB - 64))
        measure("64 MiB array of empty maps", big, 1)
    print(f"worst hostile frame <= 1 MiB: {worst * 1000:.2f} ms")
    measure("sync message, 1 MiB of data", _sync(MIB), args.runs)
    measure("sync message, 64 MiB of data", _sync(64 * MIB - 64), args.runs)


if __name__ == "__main__":
    main()
