"""Measure what one Web Push message costs the server before it is sent.

    .venv/bin/python scripts/measure_push.py [--runs 500]

Encrypts (aes128gcm, RFC 8291: an ECDH with a new key and HKDF) and signs (a VAPID ES256
token) one notification for one subscription, as `push/sender.py` does on a thread before
each request, and checks the browser's side decrypts it. Reports the median in ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.push.models import Kind
from server.push.sender import WebPushSender, new_private_key
from server.push.service import message
from server.storage.push import SubscriptionRow
from tests.support.push_service import Browser


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    runs = parser.parse_args().runs
    browser = Browser("https://push.example.org/send/1")
    sub = browser.subscription(["proposal"])
    row = SubscriptionRow(
        endpoint=sub["endpoint"],
        account_id="a",
        p256dh=sub["keys"]["p256dh"],
        auth=sub["keys"]["auth"],
        kinds=("proposal",),
    )
    sender = WebPushSender(new_private_key(), "mailto:ops@example.org")
    payload = msgspec.json.encode(message(Kind.PROPOSAL, "0f1e2d3c-plan"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        body, _ = sender._prepare(row, payload)
        times.append(time.perf_counter() - started)
    if browser.decrypt(body) != payload:
        raise SystemExit("the message did not decrypt to what was sent")
    print(f"encrypt + sign one message: median {statistics.median(times) * 1000:.2f} ms")  # noqa: T201


if __name__ == "__main__":
    main()
