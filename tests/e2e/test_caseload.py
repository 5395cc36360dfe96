"""A clinician's home is their caseload; the person's home says what waits for them."""

import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import expect

from tests.e2e.flows import (
    PhoneFactory,
    carer_joins,
    days_from_today,
    member_joins,
    person_with_plan,
)
from tests.e2e.test_accessibility import serious_violations

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


async def test_the_caseload_is_sorted_marks_overdue_in_words_and_opens_review_in_one_tap(
    phone: PhoneFactory,
) -> None:
    pat = await person_with_plan(phone, "Pat")
    await pat.add("coping", "Walk by the river")
    await pat.add("coping", "Music")
    lee = await member_joins(phone, pat, "clinician", "Lee")
    robin = await person_with_plan(phone, "Robin")
    code = await robin.invite("clinician")
    page = lee.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/caseload" in r.url else None)
    await page.get_by_role("link", name="My plans").click()
    await lee.join(code)
    # Robin's review, ten days ago on Lee's phone, set the next for two days later.
    now = datetime.now(UTC)
    await page.clock.set_system_time(now - timedelta(days=10))
    due, due_in_words = days_from_today(-8)
    await page.get_by_role("link", name="Review").click()
    await page.get_by_label("Next review due").fill(due)
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.locator("[data-digest-empty]")).to_be_visible()
    await lee.expect_sync("saved")
    await page.clock.set_system_time(now)

    await page.get_by_role("link", name="My plans").click()
    entries = page.locator(".caseload-entry")
    await expect(entries).to_have_count(2)
    await expect(entries.nth(0)).to_contain_text("Robin")
    await expect(entries.nth(0)).to_contain_text(f"Overdue: review was due {due_in_words}")
    await expect(entries.nth(1)).to_contain_text("Pat")
    await expect(entries.nth(1)).to_contain_text("Not reviewed yet")
    await expect(entries.nth(1)).to_contain_text(re.compile(r"\d+ changes since the plan began"))
    await expect(entries.nth(1)).to_contain_text("0 suggestions wait for Pat")
    await expect(entries.nth(0)).to_contain_text("0 changes since the last review")
    assert await serious_violations(page) == []
    assert await page.evaluate(FITS), "the caseload scrolls sideways at 390 px"

    # Offline, the phone shows what it last saw, and says when that was.
    await lee.set_offline(True)
    await page.get_by_role("link", name="Robin").click()
    await page.get_by_role("link", name="My plans").click()
    await expect(page.locator("[data-caseload-as-of]")).to_contain_text(
        "Not connected: as this phone last saw it, at"
    )
    await expect(entries).to_have_count(2)
    await expect(entries.nth(0)).to_contain_text("Overdue")
    await lee.set_offline(False)

    await entries.nth(1).get_by_role("link", name="Pat").click()
    await expect(page.get_by_role("region", name="Changes by Pat")).to_contain_text("Music")
    # Asked on each visit home and on reconnecting, not again on every render.
    assert 2 <= len(asked) <= 6, asked


async def test_the_person_sees_how_many_suggestions_wait_and_accepts_one_from_the_list(
    phone: PhoneFactory,
) -> None:
    pat = await person_with_plan(phone, "Pat")
    cat = await carer_joins(phone, pat, "Cat")
    await cat.suggest("coping", "Bake bread together")
    await cat.suggest("warning-signs", "Stops answering the phone")
    page = pat.page
    await page.get_by_role("link", name="My plans").click()

    waiting = page.get_by_role("link", name="2 suggestions wait for you")
    await expect(waiting).to_be_visible()
    await waiting.click()
    await expect(page.get_by_role("heading", name="Suggestions for your plan")).to_be_visible()
    coping = page.get_by_role("region", name="Things I can do myself")
    await expect(page.locator("[data-waiting]")).to_have_attribute("data-waiting", "2")
    assert await serious_violations(page) == []
    assert await page.evaluate(FITS), "the suggestions scroll sideways at 390 px"
    await page.get_by_role("button", name="Accept: Bake bread together", exact=True).click()
    await expect(page.locator("[data-waiting]")).to_have_attribute("data-waiting", "1")
    await expect(coping).to_have_count(0)
    await page.get_by_role("button", name="Decline: Stops answering the phone").click()
    await expect(page.locator("[data-waiting]")).to_contain_text("No suggestions wait for you.")

    await page.get_by_role("link", name="Back to the plan").click()
    await expect(pat.item("coping", "Bake bread together")).to_be_visible()
    await page.get_by_role("link", name="My plans").click()
    await expect(page.get_by_text("No suggestions wait for you.")).to_be_visible()
    await expect(cat.item("coping", "Bake bread together")).to_be_visible()
