"""No screen scrolls sideways at 390 px, whatever the content (issue 10, item 5).

A 340-character URL made the plan page 3,357 px wide, and the crisis card and the Review
screen broke the same way, so taps landed on the wrong controls ("Mark reviewed" could not
be tapped). Every screen is visited with long URLs, long words, 2,000-character items and
long names; each must be no wider than the phone, and its main buttons must be where a
finger lands: `elementFromPoint` at the centre of each is the button itself.
"""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from tests.e2e.flows import PhoneFactory
from tests.e2e.phone import WAIT_MS, Phone

WIDTH = 390
LONG_URL = "https://example.org/" + "/".join(f"segment{i:03d}-of-a-long-path" for i in range(14))
LONG_WORD = "Supercalifragilisticexpialidocious" * 6
ITEM_2000 = ("Call the crisis team and ask for " + "x" * 967) * 2
LONG_NAME = "Patricia-Wolfeschlegelsteinhausenbergerdorff"  # one unbroken word
LONG_TITLE = "Plan-" + "W" * 115


async def fits(page: Page, screen: str) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    wide = await page.evaluate(
        """w => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > w)
            .slice(-3).map(el => el.outerHTML.slice(0, 100))""",
        WIDTH,
    )
    assert width <= WIDTH, f"{screen}: the page is {width} px wide at {WIDTH} px: {wide}"


async def tappable(button: Locator, screen: str) -> None:
    await expect(button).to_be_visible(timeout=WAIT_MS)
    hit = await button.evaluate(
        """el => {
            // Scroll up or down to it, never sideways: where a person's thumb would be.
            const top = el.getBoundingClientRect().top + window.scrollY
            window.scrollTo(0, top - window.innerHeight / 2)
            const r = el.getBoundingClientRect()
            if (r.left < 0 || r.right > window.innerWidth) {
                return `off the screen (${Math.round(r.left)} to ${Math.round(r.right)} px)`
            }
            const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
            if (at === el || el.contains(at)) return 'ok'
            return at ? at.outerHTML.slice(0, 120) : 'nothing'
        }"""
    )
    assert hit == "ok", f"{screen}: a tap on the centre of {button} lands on {hit}"


async def add_long_items(person: Phone) -> None:
    await person.add("warning-signs", LONG_URL)
    await person.add("coping", LONG_WORD)
    await person.add("safer", ITEM_2000)
    await person.add("reasons", LONG_WORD)
    await person.add("help-contacts", LONG_NAME, phone="07911 123456")
    await person.add("professional-contacts", LONG_URL, phone="020 7946 0018")


async def test_no_screen_scrolls_sideways_and_main_buttons_take_taps(
    phone: PhoneFactory,
) -> None:
    newcomer = await phone("Nia")
    await fits(newcomer.page, "welcome (create account)")
    await tappable(newcomer.page.get_by_role("button", name="Create account"), "welcome")
    await newcomer.page.get_by_role("button", name="Sign in").click()
    await fits(newcomer.page, "welcome (sign in)")

    person = await phone(LONG_NAME)
    await person.sign_up()
    await fits(person.page, "home, no plan")
    await person.create_plan(LONG_TITLE)
    await add_long_items(person)
    page = person.page
    await fits(page, "plan")
    await tappable(
        person.item("warning-signs", LONG_URL).get_by_role("button", name="Edit", exact=False),
        "plan",
    )
    await tappable(person.section("safer").get_by_role("button", name="Add", exact=True), "plan")
    await person.item("safer", ITEM_2000).get_by_role("button", name="Edit", exact=False).click()
    await fits(page, "plan, editing a 2,000-character item")
    await tappable(person.section("safer").get_by_role("button", name="Save"), "editing")
    await person.section("safer").get_by_role("button", name="Cancel").click()

    await page.get_by_role("link", name="Crisis card").click()
    await expect(page.get_by_role("heading", name="Crisis card")).to_be_visible()
    await fits(page, "crisis card")
    await tappable(page.get_by_role("link", name="Call Samaritans 116 123"), "crisis card")
    await tappable(page.get_by_role("link", name=f"Call 07911 123456, {LONG_NAME}"), "crisis card")
    await tappable(page.get_by_role("link", name=f"Text 07911 123456, {LONG_NAME}"), "crisis card")

    await page.get_by_role("link", name="People").click()
    await page.get_by_label("They are").select_option("clinician")
    await page.get_by_role("button", name="Create invitation").click()
    code = page.locator("[data-invite-code]")
    await expect(code).to_be_visible(timeout=WAIT_MS)
    invitation = await code.get_attribute("data-invite-code")
    assert invitation
    await fits(page, "people, with an invitation")
    await tappable(page.get_by_role("button", name="Create invitation"), "people")

    await page.get_by_role("link", name="My plans").click()
    await expect(page.get_by_role("heading", name=f"Hello, {LONG_NAME}")).to_be_visible()
    await fits(page, "home, with a plan")

    clinician = await phone("Lee-" + "Q" * 40)
    await clinician.sign_up()
    await clinician.open(f"/#/join/{invitation}")
    # The join screen names whose plan it is once the invitation is looked up.
    join = clinician.page.get_by_role("button", name=re.compile(r"^Join .*plan$"))
    await expect(join).to_be_visible()
    await fits(clinician.page, "join")
    await tappable(join, "join")
    await join.click()
    await expect(clinician.item("warning-signs", LONG_URL)).to_be_visible(timeout=WAIT_MS)
    await fits(clinician.page, "plan, as a clinician")

    review = clinician.page
    await review.get_by_role("link", name="Review").click()
    await expect(review.get_by_role("region", name=f"Changes by {LONG_NAME}")).to_contain_text(
        LONG_WORD, timeout=WAIT_MS
    )
    await fits(review, "review")
    mark = review.get_by_role("button", name="Mark reviewed")
    await tappable(mark, "review")
    await mark.click()
    await expect(review.locator("[data-digest-empty]")).to_be_visible(timeout=WAIT_MS)
    await fits(review, "review, after marking reviewed")

    await review.get_by_role("link", name="History").click()
    await expect(review.get_by_role("img", name="Who changed the plan when")).to_be_visible()
    await fits(review, "history")
    past = review.get_by_role("button", name="View the plan as of the review")
    await tappable(past, "history")
    await past.click()
    await expect(review.locator(".past").get_by_text(LONG_WORD).first).to_be_visible()
    await fits(review, "history, a past version")

    await page.get_by_role("link", name=LONG_TITLE).click()
    await page.get_by_role("link", name="People").click()
    await expect(page.get_by_text(clinician.name).first).to_be_visible(timeout=WAIT_MS)
    await fits(page, "people, with members")
