"""Measure the PWA: built bundle sizes, the first visit's bytes and time, the offline cold start.

    .venv/bin/python scripts/measure_client.py [--runs 15] [--slow-runs 3]

Needs the built client (scripts/setup) and Debian's chromium. The first visit: a fresh browser
context (empty HTTP cache, no service worker) opens / through a byte-counting TCP proxy in
front of the real server; reported are the bytes the browser downloaded (headers included)
until the service worker is installed with the whole app precached, and the milliseconds from
navigation start until the first screen is rendered, on localhost and on a throttled phone
network (Lighthouse's mobile setting: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, set
on the page with the DevTools protocol). The cold start: a person signs
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
from tests.support.counting_proxy import counting_proxy  # noqa: E402
from tests.support.server_process import ServerHandle, free_port  # noqa: E402

# Lighthouse's "slow 4G" mobile throttling, in the DevTools protocol's units (bytes/s, ms).
PHONE_NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
RENDERED = "() => !!document.querySelector('main#main h1')"
INSTALLED = "navigator.serviceWorker.ready.then((r) => r.active !== null)"
VISIBLE = "() => !!document.querySelector('[data-section=\"warning-signs\"] h2')"


def bundle_sizes() -> dict[str, tuple[int, int, int]]:
    """Per kind: bytes as built, its gzip copy, its brotli copy (the build writes both)."""
    sizes: dict[str, tuple[int, int, int]] = {}
    for path in sorted(CLIENT_DIST.rglob("*")):
        kind = {".js": "JavaScript", ".css": "CSS", ".wasm": "Automerge wasm"}.get(path.suffix)
        if kind is None or path.name == "sw.js":
            continue
        data = path.read_bytes()
        gz = path.with_name(path.name + ".gz")
        br = path.with_name(path.name + ".br")
        packed = len(gz.read_bytes()) if gz.exists() else len(gzip.compress(data, 9))
        smallest = len(br.read_bytes()) if br.exists() else packed
        raw, gz_sum, br_sum = sizes.get(kind, (0, 0, 0))
        sizes[kind] = (raw + len(data), gz_sum + packed, br_sum + smallest)
    return sizes


async def first_visits(runs: int, *, throttled: bool) -> list[tuple[int, float]]:
    """(bytes downloaded until the app is installed, ms until the first screen), per run."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerHandle(free_port(), Path(tmp) / "data", Path(tmp) / "server.log")
        server.data_dir.mkdir()
        await server.start()
        try:
            async with counting_proxy(server.port) as proxy, async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for _ in range(runs):
                    context = await browser.new_context(
                        viewport={"width": 390, "height": 844}, base_url=proxy.base_url
                    )
                    page = await context.new_page()
                    if throttled:
                        cdp = await context.new_cdp_session(page)
                        await cdp.send("Network.enable")
                        await cdp.send("Network.emulateNetworkConditions", PHONE_NETWORK)
                    proxy.reset()
                    await page.goto("/", wait_until="commit")
                    await page.wait_for_function(RENDERED, timeout=120_000)
                    shown = await page.evaluate("performance.now()")
                    assert await page.evaluate(INSTALLED)
                    results.append((proxy.downloaded, shown))
                    await context.close()
                await browser.close()
        finally:
            await server.teardown()
    return results


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
            await person.add("help-contacts", "My sister Jo", phone="07911 123456")
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
    parser.add_argument("--slow-runs", type=int, default=3)
    args = parser.parse_args()
    if not (CLIENT_DIST / "index.html").exists():
        sys.exit("client/dist is missing: run scripts/setup first")
    print("| part | size | gzip | brotli (as served) |\n| --- | ---: | ---: | ---: |")
    for kind, (raw, packed, br) in bundle_sizes().items():
        print(f"| {kind} | {raw / 1024:.1f} KiB | {packed / 1024:.1f} KiB | {br / 1024:.1f} KiB |")
    for label, runs, throttled in (
        ("localhost", args.runs, False),
        ("phone network (150 ms, 1.6 Mbit/s)", args.slow_runs, True),
    ):
        visits = asyncio.run(first_visits(runs, throttled=throttled))
        sizes = [b for b, _ in visits]
        shown = [t for _, t in visits]
        print(
            f"\nfirst visit, {label} ({runs} runs): downloaded {max(sizes) / 1024:.1f} KiB "
            f"(max; min {min(sizes) / 1024:.1f}); first screen median "
            f"{statistics.median(shown):.0f} ms, min {min(shown):.0f}, max {max(shown):.0f}"
        )
    times = asyncio.run(cold_starts(args.runs))
    print(
        f"\noffline cold start, navigation to plan visible ({len(times)} runs): "
        f"median {statistics.median(times):.0f} ms, min {min(times):.0f}, max {max(times):.0f}"
    )


if __name__ == "__main__":
    main()
