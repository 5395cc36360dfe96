"""Measure the PWA: bundle sizes, first visit, offline cold start, opening History on a long plan.

    .venv/bin/python scripts/measure_client.py [--runs 15] [--slow-runs 3] \
        [--history-runs 5] [--history-changes 2000] [--only history] [--client-dir DIR ...]

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

History (issue 11, item 3): a plan of `--history-changes` changes (default 2,000), made by
the person (items added and edited, suggestions accepted or declined, their own reasons) and
a carer (suggestions; items added and edited where carers write) taking turns of one to three
changes over real sockets: about half as many moments, with concurrent changes and merges.
The person's phone (Chromium) then, `--history-runs` times in a fresh page once the plan has
every change, taps History, then the moment halfway down the list. Reported: milliseconds
from the tap until every moment is listed and who joined is shown (both of the screen's
requests answered and rendered), and from the tap on the moment until its past version's
sections show, median and range; then the longest main-thread task (PerformanceObserver
"longtask", which sees those of 50 ms or more) while one more suggestion from the carer
arrives with History open, `--history-runs` times. `--client-dir` (repeatable) measures other
builds of the PWA for this part (e.g. the one before a change and the one after), each with
its own server and plan, taking turns run by run so that they share the machine's load alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page, async_playwright, expect

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, CLIENT_DIST  # noqa: E402
from tests.e2e.phone import PASSWORD, Phone  # noqa: E402
from tests.support.api import ApiUser  # noqa: E402
from tests.support.automerge_docs import (  # noqa: E402
    decide_proposal,
    edit_item,
    new_item,
    new_proposal,
    undecided_proposals,
)
from tests.support.counting_proxy import counting_proxy  # noqa: E402
from tests.support.server_process import ServerHandle, free_port  # noqa: E402
from tests.support.wire_peer import WirePeer  # noqa: E402

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


# --- History on a long plan ------------------------------------------------------------------

SESSION_MS = 10 * 60 * 1000  # client/src/ui/review/history.ts: one person's changes this close
# The tap on History, timed in the page; then "shown" is the first animation frame in which
# every moment is listed and who joined is shown (both of the screen's requests rendered).
TAP_HISTORY = """() => {
  window.__tapped = performance.now()
  document.querySelector('nav[aria-label="Plan"] a[href$="/history"]').click()
}"""
HISTORY_SHOWN = """(moments) => {
  const listed = document.querySelectorAll('[aria-labelledby="moments-title"] li').length
  const shown = listed === moments && !!document.querySelector('[data-membership] li')
  if (shown) window.__shown = performance.now()
  return shown
}"""
# Then a tap on the moment halfway down the list, until that past version's sections show.
TAP_MOMENT = """() => {
  const moments = document.querySelectorAll('[aria-labelledby="moments-title"] li button')
  window.__tapped = performance.now()
  moments[Math.floor(moments.length / 2)].click()
}"""
PAST_SHOWN = """() => {
  const shown = document.querySelectorAll('.past [data-section]').length > 0
  if (shown) window.__shown = performance.now()
  return shown
}"""
WATCH_LONG_TASKS = """() => {
  window.__longTasks = []
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push(e.duration)
  }).observe({ type: "longtask" })
}"""


def expected_moments(changes: list[dict[str, Any]]) -> int:
    """How many moments the History screen lists for the server's change list."""
    count, last = 0, None
    for c in changes:
        at = datetime.fromisoformat(c["changeTime"] or c["receivedAt"]).timestamp() * 1000
        if last is None or last[0] != c["userId"] or abs(at - last[1]) >= SESSION_MS:
            count += 1
        last = (c["userId"], at)
    return count


async def signed_in(base_url: str, email: str) -> ApiUser:
    """The person of a Phone, signed in over the API too (their own account, another device)."""
    http = httpx.AsyncClient(base_url=base_url, headers={"origin": base_url})
    session = await http.post("/api/session", json={"email": email, "password": PASSWORD})
    assert session.status_code == 200, session.text
    token = await http.post("/api/tokens", json={"label": "measure"})
    assert token.status_code == 201, token.text
    return ApiUser(http, session.json(), token.json()["token"])


class Turns:
    """The person and a carer changing the plan in turns, over real sockets (Python peers)."""

    PROPOSABLE = ("warning-signs", "coping", "people-places", "what-helps", "after-crisis")
    SECTIONS = (*PROPOSABLE, "safer")

    def __init__(self, pat: WirePeer, cat: WirePeer, everyone: str, reasons: str | None) -> None:
        self.pat, self.cat, self.everyone, self.reasons = pat, cat, everyone, reasons
        self.items: list[tuple[str, str]] = []
        self.carers: list[str] = []  # the carer's items in "safer", which carers write
        self.now = int(time.time() * 1000)

    async def person(self, first: int, count: int) -> None:
        """Decide on a suggestion, add to their reasons, edit or add an item; sync."""
        doc = self.pat.doc(self.everyone)
        own = False
        for step in range(first, first + count):
            waiting = undecided_proposals(doc) if step % 2 == 0 else []
            if waiting:
                decide_proposal(doc, waiting[0], "accepted" if step % 4 == 0 else "declined")
            elif self.reasons is not None and step % 9 == 1:
                new_item(self.pat.doc(self.reasons), "reasons", f"Reason {step}", at=self.now)
                own = True
            elif self.items and step % 3 != 0:
                section, item_id = self.items[step % len(self.items)]
                edit_item(doc, section, item_id, splice=(0, 0, "·"), at=self.now + step)
            else:
                section = self.SECTIONS[step % len(self.SECTIONS)]
                made = new_item(doc, section, f"Thing {step}", at=self.now + step)
                self.items.append((section, made))
        await self.pat.sync(self.everyone)
        if own and self.reasons is not None:
            await self.pat.sync(self.reasons)

    async def carer(self, first: int, count: int) -> None:
        """Suggest something, or add or edit an item in "safer"; sync."""
        doc = self.cat.doc(self.everyone)
        for step in range(first, first + count):
            if step % 3 == 0:
                section = self.PROPOSABLE[step % len(self.PROPOSABLE)]
                new_proposal(doc, section, f"Idea {step}", at=self.now)
            elif self.carers and step % 3 == 1:
                item_id = self.carers[step % len(self.carers)]
                edit_item(doc, "safer", item_id, splice=(0, 0, "·"), at=self.now + step)
            else:
                self.carers.append(new_item(doc, "safer", f"Agreed {step}", at=self.now + step))
        await self.cat.sync(self.everyone)


@dataclass
class LongPlan:
    person: Phone
    plan_id: str
    moments: int
    """How many moments History lists for it."""
    everyone: str
    pat: ApiUser
    cat: ApiUser
    pat_peer: WirePeer
    cat_peer: WirePeer

    async def close(self) -> None:
        for closing in (self.pat_peer, self.cat_peer, self.pat, self.cat):
            await closing.close()


async def long_history(server: ServerHandle, context: BrowserContext, total: int) -> LongPlan:
    """The person's phone with a plan of `total` changes (the last one: "Final marker")."""
    person = Phone("Pat", f"pat-{uuid.uuid4().hex[:8]}@example.org", context)
    await person.open()
    await person.sign_up()
    plan_id = await person.create_plan()
    await person.expect_sync("saved")
    await person.page.close()  # the phone is away while the history is made
    pat = await signed_in(server.base_url, person.email)
    cat = await ApiUser.sign_up(server.base_url, "Cat")
    invite = await pat.ok("POST", f"/api/plans/{plan_id}/invites", 201, json={"role": "carer"})
    await cat.ok("POST", f"/api/invites/{invite['code']}/accept")
    documents = await pat.ok("GET", f"/api/plans/{plan_id}/documents")
    everyone = next(d["documentId"] for d in documents if d["audience"] == "everyone")
    reasons = next((d["documentId"] for d in documents if d["audience"] == "person"), None)
    pat_peer = await WirePeer.connect(pat.sync_url(server.url), "pat-script")
    cat_peer = await WirePeer.connect(cat.sync_url(server.url), "cat-script")
    for peer, doc_id in ((pat_peer, everyone), (cat_peer, everyone), (pat_peer, reasons)):
        if doc_id is not None:
            await peer.receive_until(doc_id, lambda d: d.get_heads() != [], request=True)
    turns = Turns(pat_peer, cat_peer, everyone, reasons)
    made = len(await pat.ok("GET", f"/api/plans/{plan_id}/changes"))
    turn = 0
    while made < total - 1:  # turns of one to three changes each, taken in turn
        count = min(1 + turn % 3, total - 1 - made)
        await (turns.person if turn % 2 == 0 else turns.carer)(made, count)
        made += count
        turn += 1
    # The last change, by the person, after every other: seeing it, a phone has them all.
    listed = await pat.ok("GET", f"/api/plans/{plan_id}/changes")
    on_server = sum(1 for c in listed if c["documentId"] == everyone)
    await pat_peer.receive_until(everyone, lambda d: len(d.get_changes([])) == on_server)
    new_item(pat_peer.doc(everyone), "coping", "Final marker", at=turns.now + total)
    await pat_peer.sync(everyone)
    listed = await pat.ok("GET", f"/api/plans/{plan_id}/changes")
    assert len(listed) == total, f"{len(listed)} changes, not {total}"
    moments = expected_moments(listed)
    return LongPlan(person, plan_id, moments, everyone, pat, cat, pat_peer, cat_peer)


async def open_history(plan: LongPlan) -> tuple[Page, float, float]:
    """A fresh page on the plan, once it has every change: History opened, then a moment.

    Returns the page and the ms from each tap until what it opened was shown.
    """
    page = await plan.person.open(f"/#/plan/{plan.plan_id}")
    await expect(plan.person.item("coping", "Final marker")).to_be_visible(timeout=300_000)
    times = []
    for tap, shown, arg in (
        (TAP_HISTORY, HISTORY_SHOWN, plan.moments),
        (TAP_MOMENT, PAST_SHOWN, None),
    ):
        await page.evaluate(tap)
        await page.wait_for_function(shown, arg=arg, polling="raf", timeout=900_000)
        times.append(await page.evaluate("window.__shown - window.__tapped"))
    return page, times[0], times[1]


@dataclass
class HistoryFigures:
    moments: int = 0
    opened: list[float] = field(default_factory=list)
    """ms from the tap on History until every moment is listed, per opening."""
    past: list[float] = field(default_factory=list)
    """ms from the tap on a moment until its past version shows, per opening."""
    blocked: list[float] = field(default_factory=list)
    """The longest main-thread task while a suggestion arrives (0: none of 50 ms or more)."""


async def remote_change(plan: LongPlan, page: Page, run: int) -> float:
    """The longest main-thread task while the carer's next suggestion reaches `page`."""
    await page.evaluate("window.__longTasks = []")
    new_proposal(plan.cat_peer.doc(plan.everyone), "coping", f"While open {run}")
    await plan.cat_peer.sync(plan.everyone)
    await asyncio.sleep(3)  # it reaches the phone (well within) and is rendered
    # Evaluated once the main thread is free; the observer reports just after.
    tasks = await page.evaluate("new Promise((r) => setTimeout(() => r(window.__longTasks), 200))")
    return max(tasks, default=0.0)


async def history_openings(runs: int, total: int, builds: list[Path]) -> dict[Path, HistoryFigures]:
    """History opened `runs` times, then `runs` suggestions arriving while it is open.

    Each build of the PWA gets its own server and plan of `total` changes; the builds take
    turns run by run, so that they share the machine's busier moments alike.
    """
    figures = {build: HistoryFigures() for build in builds}
    async with contextlib.AsyncExitStack() as stack:
        playwright = await stack.enter_async_context(async_playwright())
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        stack.push_async_callback(browser.close)
        plans: dict[Path, LongPlan] = {}
        for build in builds:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            args = ("--client-dir", str(build))
            server = ServerHandle(free_port(), tmp / "data", tmp / "server.log", args=args)
            server.data_dir.mkdir()
            await server.start()
            stack.push_async_callback(server.teardown)
            context = await browser.new_context(
                viewport={"width": 390, "height": 844}, base_url=server.base_url
            )
            plans[build] = await long_history(server, context, total)
            stack.push_async_callback(plans[build].close)
            figures[build].moments = plans[build].moments
        pages: dict[Path, Page] = {}
        for _ in range(runs):
            for build, plan in plans.items():
                pages[build], to_history, to_past = await open_history(plan)
                figures[build].opened.append(to_history)
                figures[build].past.append(to_past)
        for page in pages.values():
            await page.evaluate(WATCH_LONG_TASKS)
        for run in range(runs):
            for build, plan in plans.items():
                figures[build].blocked.append(await remote_change(plan, pages[build], run))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--slow-runs", type=int, default=3)
    parser.add_argument("--history-runs", type=int, default=5)
    parser.add_argument("--history-changes", type=int, default=2000)
    parser.add_argument(
        "--only",
        choices=["sizes", "first-visit", "cold-start", "history"],
        action="append",
        help="measure only this (repeatable); default: everything",
    )
    parser.add_argument(
        "--client-dir",
        type=Path,
        action="append",
        help="a build of the PWA to measure History with (repeatable, taking turns run by "
        "run; default: client/dist)",
    )
    args = parser.parse_args()
    only = set(args.only or ["sizes", "first-visit", "cold-start", "history"])
    if not (CLIENT_DIST / "index.html").exists():
        sys.exit("client/dist is missing: run scripts/setup first")
    if "sizes" in only:
        print("| part | size | gzip | brotli (as served) |\n| --- | ---: | ---: | ---: |")
        for kind, (raw, packed, br) in bundle_sizes().items():
            print(
                f"| {kind} | {raw / 1024:.1f} KiB | {packed / 1024:.1f} KiB | {br / 1024:.1f} KiB |"
            )
    if "first-visit" in only:
        for label, runs, throttled in (
            ("localhost", args.runs, False),
            ("phone network (150 ms, 1.6 Mbit/s)", args.slow_runs, True),
        ):
            visits = asyncio.run(first_visits(runs, throttled=throttled))
            sizes = [b for b, _ in visits]
            shown = [t for _, t in visits]
            print(
                f"\nfirst visit, {label} ({runs} runs): downloaded "
                f"{max(sizes) / 1024:.1f} KiB (max; min {min(sizes) / 1024:.1f}); first "
                f"screen median {statistics.median(shown):.0f} ms, min {min(shown):.0f}, "
                f"max {max(shown):.0f}"
            )
    if "cold-start" in only:
        times = asyncio.run(cold_starts(args.runs))
        print(
            f"\noffline cold start, navigation to plan visible ({len(times)} runs): "
            f"median {statistics.median(times):.0f} ms, min {min(times):.0f}, "
            f"max {max(times):.0f}"
        )
    if "history" in only:
        builds = args.client_dir or [CLIENT_DIST]
        figures = asyncio.run(history_openings(args.history_runs, args.history_changes, builds))
        for build, f in figures.items():
            longest = (
                f"median {statistics.median(f.blocked):.0f} ms, max {max(f.blocked):.0f}"
                if max(f.blocked) > 0
                else "none of 50 ms or more"
            )
            print(
                f"\nHistory on a plan of {args.history_changes} changes ({f.moments} moments), "
                f"{build}, {len(f.opened)} runs:\n"
                f"  tap on History to every moment listed: median "
                f"{statistics.median(f.opened):.0f} ms, min {min(f.opened):.0f}, "
                f"max {max(f.opened):.0f}\n"
                f"  tap on a moment to its past version: median {statistics.median(f.past):.0f} "
                f"ms, min {min(f.past):.0f}, max {max(f.past):.0f}\n"
                f"  longest main-thread task as one more change arrives: {longest}"
            )


if __name__ == "__main__":
    main()
