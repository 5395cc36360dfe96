"""The crisis card (issue 10, item 6): "Get help now" at the very top, one tap to each
national crisis line in the template with its number on the button, before the person's
own steps; the person's reasons for living on their own card only."""

import json

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, person_with_plan
from tests.support.server_process import REPO_ROOT

TEMPLATE = json.loads((REPO_ROOT / "shared" / "plan-template.json").read_text())


async def test_get_help_now_comes_first_with_every_national_line_and_its_number(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("warning-signs", "I stop eating")
    page = person.page
    await page.get_by_role("link", name="Crisis card").click()

    help_now = page.get_by_role("region", name="Get help now")
    expected = {
        "Call Emergency services 999": "tel:999",
        "Call NHS 111 mental health 111, option 2": "tel:111",
        "Call Samaritans 116 123": "tel:116123",
        "Text Shout 85258": "sms:85258?&body=SHOUT",
    }
    for name, href in expected.items():
        await expect(help_now.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "href", href
        )
    # Every line in the template is there, and nothing else.
    lines = TEMPLATE["crisisLines"]["lines"]
    await expect(help_now.get_by_role("link")).to_have_count(len(lines))
    assert len(lines) == len(expected)

    # At the very top: the first thing after the card's title, before the person's steps.
    first = await page.evaluate(
        """() => {
            const card = document.querySelector('article.crisis')
            return card.querySelector('h1').nextElementSibling.getAttribute('aria-labelledby')
        }"""
    )
    assert first == "lines-title"
    before = await help_now.evaluate(
        """(el) => !!(el.compareDocumentPosition(
            [...document.querySelectorAll('.steps h2')][0]) & Node.DOCUMENT_POSITION_FOLLOWING)"""
    )
    assert before
    box = await help_now.get_by_role("link").first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844, box  # on the first screen, without scrolling


async def test_reasons_for_living_are_on_the_persons_card_and_never_on_a_carers(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("reasons", "My niece Lily")
    await person.add("coping", "Walk by the river")
    carer = await carer_joins(phone, person)
    await expect(carer.item("coping", "Walk by the river")).to_be_visible()

    page = person.page
    await page.get_by_role("link", name="Crisis card").click()
    reasons = page.get_by_role("region", name="My reasons for living")
    await expect(reasons).to_contain_text("My niece Lily")
    order = await page.evaluate(
        """() => [...document.querySelectorAll('article.crisis h2')].map(h => h.textContent)"""
    )
    assert order[:2] == ["Get help now", "My reasons for living"], order

    card = carer.page
    await card.get_by_role("link", name="Crisis card").click()
    await expect(card.get_by_text("Walk by the river")).to_be_visible()
    await expect(card.get_by_role("region", name="Get help now")).to_be_visible()
    await expect(card.get_by_role("region", name="My reasons for living")).to_have_count(0)
    await expect(card.get_by_text("My niece Lily")).to_have_count(0)


async def test_the_national_lines_show_even_when_the_plan_cannot_be_opened(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    page = await person.open("/#/plan/not-a-plan-on-this-phone/card")
    await expect(page.get_by_role("heading", name="Plan not available")).to_be_visible()
    help_now = page.get_by_role("region", name="Get help now")
    await expect(help_now.get_by_role("link", name="Call Samaritans 116 123")).to_have_attribute(
        "href", "tel:116123"
    )
    await expect(help_now.get_by_role("link", name="Text Shout 85258")).to_be_visible()
