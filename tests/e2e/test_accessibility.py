"""axe-core (from the client's npm packages) on every screen: no serious or critical
violations of WCAG 2.0-2.2 A/AA rules."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.flows import PhoneFactory, person_with_plan
from tests.support.server_process import REPO_ROOT

AXE = REPO_ROOT / "client" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


async def serious_violations(page: Page) -> list[str]:
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP does not apply.
        await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([n["target"] for n in v["nodes"]][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def test_every_screen_passes_axe(phone: PhoneFactory) -> None:
    problems: dict[str, list[str]] = {}

    async def scan(name: str, page: Page) -> None:
        found = await serious_violations(page)
        if found:
            problems[name] = found

    newcomer = await phone("Nia")
    await scan("welcome (create account)", newcomer.page)
    await newcomer.page.get_by_role("button", name="Sign in").click()
    await scan("welcome (sign in)", newcomer.page)
    await newcomer.page.get_by_role("button", name="Forgot password?").click()
    await scan("welcome (forgot password)", newcomer.page)
    await newcomer.page.goto("/#/reset-password/not-a-real-token")
    await expect(newcomer.page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    await scan("reset password", newcomer.page)

    person = await person_with_plan(phone)
    page = person.page
    await person.add("warning-signs", "I stop answering messages")
    await person.add("help-contacts", "My sister Jo", phone="07911 123456")
    await person.expect_sync("saved")
    await scan("plan", page)
    await (
        person.item("warning-signs", "I stop answering messages")
        .get_by_role("button", name="Edit: I stop answering messages")
        .click()
    )
    await scan("plan, editing an item", page)

    await page.get_by_role("link", name="Crisis card").click()
    await expect(page.get_by_role("heading", name="Crisis card")).to_be_visible()
    await scan("crisis card", page)

    await page.get_by_role("link", name="People").click()
    await page.get_by_role("button", name="Create invitation").click()
    code = page.locator("[data-invite-code]")
    await expect(code).to_be_visible()
    invitation = await code.get_attribute("data-invite-code")
    await scan("people, with an invitation", page)

    await page.get_by_role("link", name="Review").click()
    await expect(page.get_by_role("region", name="Changes by Pat")).to_be_visible()
    await scan("review digest", page)
    await page.get_by_role("link", name="History").click()
    await page.get_by_role("button", name="View the plan after Pat").first.click()
    await expect(page.get_by_role("heading", name="The plan after: Pat")).to_be_visible()
    await scan("history with a past version", page)

    await page.get_by_role("link", name="My plans").click()
    await expect(page.get_by_role("heading", name="Hello, Pat")).to_be_visible()
    await page.locator("summary", has_text="Delete my account").click()
    await scan("home (delete account open)", page)
    await page.get_by_role("link", name="My devices").click()
    await expect(page.locator("li.device")).to_have_count(1)
    await scan("my devices", page)
    await page.get_by_role("link", name="Back to my plans").click()
    await page.get_by_role("link", name="Notifications").click()
    await expect(page.get_by_role("checkbox", name="A review is due tomorrow")).to_be_enabled()
    await scan("notifications", page)
    await page.get_by_role("link", name="Back to my plans").click()

    carer = await phone("Cat")
    await carer.sign_up()
    await carer.open(f"/#/join/{invitation}")
    await expect(carer.page.get_by_role("heading", name="Pat's safety plan")).to_be_visible()
    await scan("join", carer.page)
    await carer.page.get_by_role("button", name="Join Pat's plan").click()
    await expect(carer.item("warning-signs", "I stop answering messages")).to_be_visible()
    await carer.suggest("warning-signs", "Sleeps all day")
    await scan("plan as a carer, with a suggestion", carer.page)
    await page.get_by_role("link", name="My safety plan").click()
    await expect(person.section("warning-signs").locator(".proposal")).to_contain_text(
        "Sleeps all day"
    )
    await scan("plan with a suggestion to decide", page)

    assert not problems, json.dumps(problems, indent=2)


async def test_the_scan_reports_a_violation_when_there_is_one(phone: PhoneFactory) -> None:
    newcomer = await phone("Nia")
    await newcomer.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')"
    )

    found = await serious_violations(newcomer.page)

    assert any(v.startswith("label ") for v in found), found


async def test_an_item_can_be_added_with_the_keyboard_alone(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    page = await person.open(f"/#/plan/{person.plan_id()}")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main#main")).to_be_focused()
    assert f"#/plan/{person.plan_id()}" in page.url  # the route is untouched
    field = person.section("warning-signs").get_by_label("Add to")
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await field.evaluate("el => el === document.activeElement"):
            break
    await expect(field).to_be_focused()

    await page.keyboard.type("I stop sleeping")
    await page.keyboard.press("Tab")
    await expect(person.section("warning-signs").get_by_role("button", name="Add")).to_be_focused()
    await page.keyboard.press("Enter")

    await expect(person.item("warning-signs", "I stop sleeping")).to_be_visible()
