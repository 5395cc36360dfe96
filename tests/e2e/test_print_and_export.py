"""Printing the plan for an appointment (CSS print) and downloading it (data portability)."""

import json
import re

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, member_joins, person_with_plan

PRINTED_ON = re.compile(r"printed \d{1,2} \w{3,4} \d{4}, \d\d:\d\d")


async def test_the_printed_plan_keeps_words_and_authors_and_drops_the_controls(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Walk by the river")
    page = person.page

    await page.emulate_media(media="print")

    await expect(person.item("coping", "Walk by the river")).to_be_visible()
    await expect(person.byline("coping", "Walk by the river")).to_contain_text("Added by you")
    await expect(page.get_by_text("Each item shows who wrote it")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Plan")).to_be_hidden()
    await expect(person.section("coping").get_by_label("Add to")).to_be_hidden()
    await expect(page.get_by_role("button", name="Print this plan")).to_be_hidden()
    pdf = await page.pdf()
    assert pdf.startswith(b"%PDF")


async def test_every_printed_page_names_the_person_and_date_and_shows_only_what_is_agreed(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Walk by the river")
    clinician = await member_joins(phone, person, "clinician", "Lee")
    await clinician.suggest("coping", "Ring the crisis team early")
    page = clinician.page
    await page.get_by_role("link", name="Review").click()
    await page.get_by_label("Note (optional)").fill("Plan talked through with Pat")
    await page.get_by_role("button", name="Mark reviewed").click()
    await page.get_by_role("link", name="Plan", exact=True).click()
    await expect(page.get_by_text("Plan talked through with Pat", exact=True)).to_be_visible()
    await expect(person.page.get_by_text("Ring the crisis team early")).to_be_visible()

    for who in (clinician, person):
        printed = who.page
        await printed.emulate_media(media="print")

        # The text of the @page margin box that heads every printed page (styles.css).
        running = await printed.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--print-running')"
        )
        assert running.startswith('"Safety plan of Pat · printed '), running
        assert PRINTED_ON.search(running), running
        await expect(printed.locator("[data-sync]")).to_be_hidden()
        await expect(who.item("coping", "Walk by the river")).to_be_visible()
        await expect(printed.get_by_text("Ring the crisis team early")).to_be_hidden()
        await expect(
            printed.get_by_text("Suggestions not yet agreed by Pat are left out")
        ).to_be_visible()
        await expect(
            printed.get_by_text("Plan talked through with Pat", exact=True)
        ).to_be_visible()
        reviewer = "you" if who is clinician else "Lee (clinician)"
        await expect(printed.get_by_text(f"Reviewed by {reviewer} on")).to_be_visible()
        pdf = await printed.pdf(prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")


async def test_the_person_downloads_the_plan_with_its_history(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Walk by the river")
    await person.expect_sync("saved")
    page = person.page
    await page.get_by_role("link", name="People").click()

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download my plan (JSON)").click()
    download = await waiting.value
    exported = json.loads((await download.path()).read_text())

    assert exported["format"] == "safety-plan-export/1"
    texts = json.dumps([d["content"] for d in exported["documents"]])
    assert "Walk by the river" in texts
    authors = {c["displayName"] for d in exported["documents"] for c in d["changes"]}
    assert authors == {"Pat"}
