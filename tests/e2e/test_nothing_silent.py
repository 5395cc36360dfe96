"""Issue 10 item 12: nothing fails or is cut silently. What cannot be done is said in one
way (the Notice, role="alert"); a long paste keeps 2,000 characters and says so."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, member_joins, person_with_plan
from tests.e2e.phone import WAIT_MS


async def test_a_long_paste_is_cut_with_a_word_and_the_limit_shows_near_it(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    field = person.section("coping").get_by_label("Add to")

    await field.fill("a" * 1_900)
    await expect(person.section("coping").locator("[data-remaining]")).to_have_text(
        "1,900 of 2,000 characters"
    )
    await expect(person.section("coping").get_by_role("alert")).to_have_count(0)
    await field.fill("b" * 10_000)

    alert = person.section("coping").get_by_role("alert")
    await expect(alert).to_contain_text(
        "That was 10,000 characters; an item holds 2,000, so the first 2,000 were kept."
    )
    assert len(await field.input_value()) == 2_000
    await expect(person.section("coping").locator("[data-remaining]")).to_have_text(
        "2,000 of 2,000 characters"
    )
    await person.section("coping").get_by_role("button", name="Add", exact=True).click()
    await expect(person.item("coping", "b" * 2_000)).to_be_visible()
    await expect(alert).to_have_count(0)


async def test_accepting_a_suggestion_withdrawn_meanwhile_says_so_and_keeps_the_words(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    carer = await carer_joins(phone, person)
    await carer.suggest("coping", "Cook together")
    page = person.page
    await page.get_by_role("button", name="Edit and accept: Cook together").click()
    form_field = person.section("coping").get_by_label("Put it in your own words")
    await form_field.fill("Cook a meal with Cat")

    await carer.section("coping").get_by_role("button", name="Withdraw suggestion").click()
    await carer.expect_sync("saved")

    section = person.section("coping")
    await expect(section.get_by_role("alert")).to_contain_text(
        "This suggestion has just been withdrawn on another phone.", timeout=WAIT_MS
    )
    await section.get_by_role("button", name="Add to my plan").click()
    await expect(section.get_by_role("alert").last).to_contain_text(
        "This suggestion was withdrawn on another phone, so it cannot be accepted."
    )
    await expect(form_field).to_have_value("Cook a meal with Cat")
    await expect(person.item("coping", "Cook a meal with Cat")).to_have_count(0)


async def test_a_long_review_note_is_cut_with_a_word(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    clinician = await member_joins(phone, person, "clinician", "Lee")
    page = clinician.page
    await page.get_by_role("link", name="Review").click()
    note = page.get_by_label("Note (optional)")

    await note.fill("n" * 3_000)

    await expect(page.get_by_role("alert")).to_contain_text(
        "That was 3,000 characters; a note holds 2,000, so the first 2,000 were kept."
    )
    assert len(await note.input_value()) == 2_000
