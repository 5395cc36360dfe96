"""Printing the plan for an appointment (CSS print) and downloading it (data portability)."""

import json

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, person_with_plan


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
