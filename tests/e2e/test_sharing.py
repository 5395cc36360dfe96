"""A person builds their plan and shares it with a carer, who sees only what is shared."""

from playwright.async_api import expect

from tests.e2e.flows import (
    ON_BOTH_DATABASES,
    PhoneFactory,
    carer_joins,
    member_joins,
    person_with_plan,
)


@ON_BOTH_DATABASES
async def test_carer_sees_shared_sections_but_not_the_person_only_one(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("warning-signs", "I stop answering messages")
    await person.add("coping", "Walk by the river")
    await person.add("help-contacts", "My sister Jo", phone="07911 123456")
    await person.add("reasons", "Seeing my niece grow up")
    await person.expect_sync("saved")

    carer = await carer_joins(phone, person)

    await expect(carer.item("warning-signs", "I stop answering messages")).to_be_visible()
    await expect(carer.item("coping", "Walk by the river")).to_be_visible()
    await expect(carer.item("help-contacts", "My sister Jo")).to_be_visible()
    await expect(carer.byline("coping", "Walk by the river")).to_contain_text("Added by Pat")
    await expect(carer.page.get_by_role("heading", name="Reasons for living")).to_have_count(0)
    await expect(carer.page.get_by_text("Seeing my niece grow up")).to_have_count(0)
    await expect(carer.page.get_by_role("heading", name="My notes as a carer")).to_be_visible()


async def test_a_carers_suggestion_becomes_the_persons_item_only_when_accepted(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    carer = await carer_joins(phone, person)

    await expect(carer.section("warning-signs").get_by_label("Add to")).to_have_count(0)
    await carer.suggest("warning-signs", "Stays in bed all day")
    await carer.expect_sync("saved")

    suggestion = person.section("warning-signs").locator(".proposal")
    await expect(suggestion).to_contain_text("Stays in bed all day")
    await expect(suggestion).to_contain_text("Suggested by Cat (carer)")
    await expect(person.item("warning-signs", "Stays in bed all day")).to_have_count(0)
    await person.page.get_by_role("button", name="Accept: Stays in bed all day", exact=True).click()

    await expect(person.item("warning-signs", "Stays in bed all day")).to_be_visible()
    mine = person.byline("warning-signs", "Stays in bed all day")
    await expect(mine).to_contain_text("Suggested by Cat (carer)")
    await expect(mine).to_contain_text("accepted by you")
    await expect(mine).not_to_contain_text("changed by")
    await expect(carer.item("warning-signs", "Stays in bed all day")).to_be_visible()
    theirs = carer.byline("warning-signs", "Stays in bed all day")
    await expect(theirs).to_contain_text("Suggested by you")
    await expect(theirs).to_contain_text("accepted by Pat")
    await expect(theirs).not_to_contain_text("changed by")


async def test_a_carers_own_notes_reach_the_clinician_but_not_the_person(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    carer = await carer_joins(phone, person)
    clinician = await member_joins(phone, person, "clinician", "Lee")

    await carer.add("carer-notes", "I need a break on Fridays")
    await carer.expect_sync("saved")

    notes = clinician.page.get_by_role("region", name="Notes from Cat (carer)")
    await expect(notes).to_contain_text("I need a break on Fridays")
    await expect(notes).to_contain_text("Added by Cat (carer)")
    await expect(notes.get_by_label("Add to")).to_have_count(0)
    await person.page.reload()
    await expect(person.section("coping")).to_be_visible()
    await expect(person.page.get_by_text("I need a break on Fridays")).to_have_count(0)
    await expect(person.page.get_by_role("heading", name="My notes as a carer")).to_have_count(0)


async def test_the_invitation_says_what_each_role_will_not_see(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    page = person.page
    await page.get_by_role("link", name="People").click()
    scope = page.locator("[data-invite-scope]")

    await page.get_by_label("They are").select_option("carer")
    await expect(scope).to_contain_text(
        "A carer will see the shared parts of your plan, but not: Reasons for living; "
        "Crisis and advance preferences; other carers' notes."
    )
    await page.get_by_label("They are").select_option("clinician")
    await expect(scope).to_contain_text("but not: Reasons for living.")
    await expect(scope).not_to_contain_text("Crisis and advance preferences")
    await page.get_by_label("They are").select_option("viewer")
    await expect(scope).to_contain_text(
        "but not: Reasons for living; Crisis and advance preferences; carers' notes."
    )
