"""Measure the PWA: built bundle sizes (gzipped) and the offline cold start.

    .venv/bin/python scripts/measure_client.py [--runs 15]

Needs the built client (scripts/setup) and Debian's chromium. The cold start: a person signs
up, creates a plan with a few items (through the UI, on a real server), the service worker
installs; the server is then stopped and, `--runs` times, a fresh page in the same browser
context loads /#/plan/<id> with no server. Reported: milliseconds from navigation start
(performance.now() in the page) until the plan's first section is visible, median and range.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from playwright.async_api import async_playwright, expect

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, CLIENT_DIST  # noqa: E402
from tests.e2e.phone import Phone  # noqa: E402
from tests.support.server_process import ServerHandle, free_port  # noqa: E402

VISIBLE = "() => !!document.querySelector('[data-section=\"warning-signs\"] h2')"


def bundle_sizes() -> dict[str, tuple[int, int]]:
    sizes: dict[str, tuple[int, int]] = {}
    for path in sorted(CLIENT_DIST.rglob("*")):
        kind = {".js": "JavaScript", ".css": "CSS", ".wasm": "Automerge wasm"}.get(path.suffix)
        if kind is None or path.name == "sw.js":
            continue
        data = path.read_bytes()
        raw, packed = sizes.get(kind, (0, 0))
        sizes[kind] = (raw + len(data), packed + len(gzip.compress(data, 9)))
    return sizes


async def cold_starts(runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerHandle(free_port(), Path(tmp) / "data", Path(tmp) / "server.log")
        server.data_dir.mkdir()
        await server.start()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            context = await browser.new_context(
                viewport={"width": 390, "height": 844}, base_url=server.base_url
            )
            person = Phone("Pat", f"pat-{uuid.uuid4().hex[:8]}@example.org", context)
            await person.open()
            await person.sign_up()
            await person.create_plan()
            for i in range(5):
                await person.add("warning-signs", f"Warning sign {i}")
                await person.add("coping", f"Something I can do {i}")
            await person.add("help-contacts", "My sister Jo", phone="07700 900123")
            await person.expect_sync("saved")
            await person.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            plan_id = person.plan_id()
            await server.teardown()

            times = []
            for _ in range(runs):
                page = await person.open(f"/#/plan/{plan_id}")
                await page.wait_for_function(VISIBLE)
                times.append(await page.evaluate("performance.now()"))
                await expect(person.item("warning-signs", "Warning sign 4")).to_be_visible()
            await browser.close()
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not (CLIENT_DIST / "index.html").exists():
        sys.exit("client/dist is missing: run scripts/setup first")
    print("| part | size | gzipped |\n| --- | ---: | ---: |")
    for kind, (raw, packed) in bundle_sizes().items():
        print(f"| {kind} | {raw / 1024:.1f} KiB | {packed / 1024:.1f} KiB |")
    times = asyncio.run(cold_starts(args.runs))
    print(
        f"\noffline cold start, navigation to plan visible ({len(times)} runs): "
        f"median {statistics.median(times):.0f} ms, min {min(times):.0f}, max {max(times):.0f}"
    )


if __name__ == "__main__":
    main()
