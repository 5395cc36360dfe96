"""Notifications on the phone: choosing kinds, a push shown by the service worker, a tap,
signing out.

Headless Chromium cannot reach a real push service (Google's, for Chromium), so the test
page's `PushManager` is stood in for: its `subscribe` returns a subscription with real P-256
keys and an https endpoint the test makes up. That is the browser's part, not the app's;
everything of ours (the screen, the REST calls, the server's checks, the service worker) is
real. The push itself is delivered by the DevTools protocol (`ServiceWorker.
deliverPushMessage`), as the server's message for a waiting suggestion is encrypted for a
real browser in tests/integration/test_web_push.py.
"""

import asyncio
import json
from typing import Any

import httpx
import msgspec
from playwright.async_api import CDPSession, Dialog, Page, expect

from server.push.models import Kind
from server.push.service import message
from tests.e2e.flows import PhoneFactory, person_with_plan
from tests.e2e.phone import PASSWORD, WAIT_MS, Phone
from tests.support.log_sources import LogSource
from tests.support.push_service import Browser
from tests.support.server_process import ServerHandle

ENDPOINT = "https://push.example.org/send/pat-phone"

# The browser's push service, stood in for (see the module's docstring).
STAND_IN = """
([endpoint, p256dh, auth]) => {
  const bytes = (text) => Uint8Array.from(
    atob(text.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - text.length % 4) % 4)),
    (c) => c.charCodeAt(0)).buffer
  let current = null
  const make = () => ({
    endpoint,
    expirationTime: null,
    getKey: (name) => bytes(name === "p256dh" ? p256dh : auth),
    unsubscribe: async () => { current = null; return true },
  })
  PushManager.prototype.subscribe = async () => (current = current ?? make())
  PushManager.prototype.getSubscription = async () => current
}
"""


async def stand_in_push_manager(person: Phone, endpoint: str = ENDPOINT) -> None:
    """From the next page load on, the browser's push service gives `endpoint`."""
    keys = Browser(endpoint).subscription([])["keys"]
    await person.context.add_init_script(
        f"({STAND_IN})({json.dumps([endpoint, keys['p256dh'], keys['auth']])})"
    )


async def registration_id(cdp: CDPSession) -> str:
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def updated(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            if not registration["isDeleted"] and not found.done():
                found.set_result(registration["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    await cdp.send("ServiceWorker.enable")
    async with asyncio.timeout(WAIT_MS / 1000):
        return await found


async def test_a_push_is_shown_with_generic_words_and_a_tap_opens_the_suggestions(
    phone: PhoneFactory, server: ServerHandle, log_sources: list[LogSource]
) -> None:
    person = await person_with_plan(phone)
    plan_id = person.plan_id()
    await person.context.grant_permissions(["notifications"])
    await stand_in_push_manager(person)
    page = await person.open("/#/")
    await page.wait_for_function("navigator.serviceWorker.controller !== null")

    await page.get_by_role("link", name="Notifications").click()
    await expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    suggestion = page.get_by_role("checkbox", name="A suggestion is waiting for me")
    await expect(suggestion).to_be_enabled(timeout=WAIT_MS)
    await expect(suggestion).not_to_be_checked()
    await suggestion.check()
    await expect(page.get_by_role("status")).to_have_text("Saved. This phone will be told.")
    mine = await page.evaluate("fetch('/api/push/subscriptions').then((r) => r.json())")
    assert mine == [{"endpoint": ENDPOINT, "kinds": ["proposal"]}]
    # Nothing sideways on a 390 px phone.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    # Away from the plan, a push arrives: shown by the service worker, in generic words.
    await page.goto("/#/devices")
    cdp = await person.context.new_cdp_session(page)
    # What the browser says of its service worker, in the report if this test fails (a
    # full run here once found no notification shown, which alone says nothing).
    seen: list[str] = []
    log_sources.append(("the service worker, as DevTools saw it", lambda: "\n".join(seen)))
    cdp.on("ServiceWorker.workerErrorReported", lambda e: seen.append(f"error: {e}"))
    cdp.on(
        "ServiceWorker.workerVersionUpdated",
        lambda e: seen.extend(
            f"version {v['versionId']}: {v['runningStatus']}, {v['status']}" for v in e["versions"]
        ),
    )
    sent = msgspec.json.encode(message(Kind.PROPOSAL, plan_id)).decode()
    registration = await registration_id(cdp)
    [worker] = person.context.service_workers
    # The worker counts the push events it is given (the test's own listener, beside the
    # app's). Delivered at once after DevTools' `enable`, a push was lost 3 times in 36
    # runs with both CPUs busy: nothing shown, while a second delivery was shown at once.
    # So DevTools' delivery is repeated until the worker has been given the event (as a
    # push service retries); what the app's listener then shows is what this test checks.
    # (With the count, 75 runs in a row here needed one delivery each: why it changes the
    # timing is not known, and an event given but not shown still fails the test.)
    await worker.evaluate("self.pushes = 0; addEventListener('push', () => { self.pushes++ })")
    # Every step that waits on the browser is bounded: a step that never answers fails here,
    # named, instead of as the test's own timeout (CI once saw that, with no step named).
    deliveries = 0
    async with asyncio.timeout(WAIT_MS / 1000):
        while not await worker.evaluate("self.pushes > 0"):
            deliveries += 1
            seen.append(f"registration {registration}: push delivered ({deliveries})")
            await cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": server.base_url, "registrationId": registration, "data": sent},
            )
            await worker.evaluate(
                """() => new Promise((resolve) => {
                  const deadline = Date.now() + 2000
                  const poll = () => self.pushes > 0 || Date.now() > deadline
                    ? resolve() : setTimeout(poll, 20)
                  poll()
                })"""
            )
    # Polled as wait_for_function polls (it cannot await a promise in its predicate), on a
    # timer rather than animation frames, which a page not being painted does not get.
    shown = await page.evaluate(
        """async (waitMs) => {
          const registration = await navigator.serviceWorker.getRegistration()
          const deadline = Date.now() + waitMs
          while (Date.now() < deadline) {
            const shown = await registration.getNotifications()
            if (shown.length > 0) {
              return shown.map((n) => ({ title: n.title, body: n.body, data: n.data }))
            }
            await new Promise((resolve) => setTimeout(resolve, 20))
          }
          return null
        }""",
        WAIT_MS,
    )
    assert shown is not None, f"no notification shown {WAIT_MS} ms after the push was delivered"
    assert shown == [
        {
            "title": "Safety plan",
            "body": "Something in your plan is waiting for you.",
            "data": {"url": f"/#/plan/{plan_id}/suggestions"},
        }
    ]

    # A tap on it opens the plan's suggestions in the window already open.
    async with asyncio.timeout(WAIT_MS / 1000):
        await worker.evaluate(
            """async () => {
              const [notification] = await self.registration.getNotifications()
              self.dispatchEvent(new NotificationEvent("notificationclick", { notification }))
            }"""
        )
    await expect(page).to_have_url(f"{server.base_url}/#/plan/{plan_id}/suggestions")
    await expect(page.get_by_role("heading", name="Suggestions for your plan")).to_be_visible(
        timeout=WAIT_MS
    )
    await cdp.detach()

    # Turning it off removes the subscription from the server too.
    await page.goto("/#/notifications")
    await expect(suggestion).to_be_checked(timeout=WAIT_MS)
    await suggestion.uncheck()
    await expect(page.get_by_role("status")).to_have_text("Notifications are off on this phone.")
    assert await page.evaluate("fetch('/api/push/subscriptions').then((r) => r.json())") == []

    # Signing out ends this browser's subscription, here and on the server.
    await suggestion.check()
    await expect(page.get_by_role("status")).to_have_text("Saved. This phone will be told.")
    await page.get_by_role("link", name="Back to my plans").click()

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.once("dialog", accept)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="My safety plan")).to_be_visible()
    here = "navigator.serviceWorker.getRegistration().then((r) => r.pushManager.getSubscription())"
    assert await page.evaluate(here) is None
    origin = {"origin": server.base_url}
    async with httpx.AsyncClient(base_url=server.base_url, headers=origin) as http:
        signed_in = await http.post(
            "/api/session", json={"email": person.email, "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        assert (await http.get("/api/push/subscriptions")).json() == []


async def server_subscriptions(page: Page, expected: list[dict[str, Any]]) -> Any:
    """This account's subscriptions on the server, once they are `expected` (or as they are
    after WAIT_MS): a renewal runs in the background, so it is polled, on a timer."""
    return await page.evaluate(
        """async ([expected, waitMs]) => {
          const deadline = Date.now() + waitMs
          let mine = null
          while (Date.now() < deadline) {
            mine = await fetch("/api/push/subscriptions").then((r) => r.json())
            if (JSON.stringify(mine) === JSON.stringify(expected)) break
            await new Promise((resolve) => setTimeout(resolve, 50))
          }
          return mine
        }""",
        [expected, WAIT_MS],
    )


async def test_a_subscription_the_push_service_replaced_is_renewed_with_the_kinds_chosen(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.context.grant_permissions(["notifications"])
    await stand_in_push_manager(person)
    page = await person.open("/#/notifications")
    await page.wait_for_function("navigator.serviceWorker.controller !== null")
    membership = page.get_by_role("checkbox", name="Someone joins or leaves my plan")
    await expect(membership).to_be_enabled(timeout=WAIT_MS)
    await membership.check()
    await expect(page.get_by_role("status")).to_have_text("Saved. This phone will be told.")
    chosen = [{"endpoint": ENDPOINT, "kinds": ["membership"]}]
    assert await server_subscriptions(page, chosen) == chosen

    # Chrome's push service ends the subscription without telling the page: the next
    # time the app reaches the server, it subscribes again and the server hears of it.
    replaced = "https://push.example.org/send/pat-phone-2"
    await stand_in_push_manager(person, replaced)
    page = await person.open("/#/")
    wanted = [{"endpoint": replaced, "kinds": ["membership"]}]
    assert await server_subscriptions(page, wanted) == wanted

    # Firefox says so with a pushsubscriptionchange event: the service worker renews it.
    renewed = "https://push.example.org/send/pat-phone-3"
    keys = Browser(renewed).subscription([])["keys"]
    [worker] = person.context.service_workers
    async with asyncio.timeout(WAIT_MS / 1000):
        await worker.evaluate(
            """([old, endpoint, p256dh, auth]) => {
              const bytes = (text) => Uint8Array.from(
                atob(text.replace(/-/g, "+").replace(/_/g, "/")
                  + "==".slice(0, (4 - text.length % 4) % 4)),
                (c) => c.charCodeAt(0)).buffer
              const event = new ExtendableEvent("pushsubscriptionchange")
              event.oldSubscription = { endpoint: old, options: {} }
              event.newSubscription = {
                endpoint, getKey: (name) => bytes(name === "p256dh" ? p256dh : auth),
              }
              self.dispatchEvent(event)
            }""",
            [replaced, renewed, keys["p256dh"], keys["auth"]],
        )
    wanted = [{"endpoint": renewed, "kinds": ["membership"]}]
    assert await server_subscriptions(page, wanted) == wanted
