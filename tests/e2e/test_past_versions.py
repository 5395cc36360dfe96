"""A past version of the plan (History) is read-only: nothing on it can change anything,
whoever looks, and the live plan is exactly as it was (issue 10, item 3)."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, person_with_plan

# Anything a person could use to change something: buttons, fields, editable text.
CONTROLS = "button, input, textarea, select, [contenteditable]"


async def test_a_past_version_offers_no_control_and_leaves_the_live_plan_alone(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("warning-signs", "Not sleeping")
    carer = await carer_joins(phone, person)
    await carer.suggest("warning-signs", "Stops answering the phone")
    await carer.expect_sync("saved")
    page = carer.page

    await page.get_by_role("link", name="History").click()
    changes = page.get_by_role("region", name="Changes, newest first")
    await changes.get_by_role("button").first.click()  # the newest: after the suggestion

    past = page.locator(".past")
    await expect(past.get_by_text("A past version, read-only.")).to_be_visible()
    await expect(past.get_by_text("Stops answering the phone")).to_be_visible()
    await expect(past.get_by_text("Not sleeping")).to_be_visible()
    await expect(past.locator(CONTROLS)).to_have_count(0)

    # The live plan still has the suggestion, pending, with its own controls.
    await page.get_by_role("link", name="Plan", exact=True).click()
    live = carer.section("warning-signs").locator(".proposal")
    await expect(live.get_by_text("Stops answering the phone")).to_be_visible()
    await expect(live.get_by_role("button", name="Withdraw suggestion")).to_be_visible()
    await expect(
        person.section("warning-signs")
        .locator(".proposal")
        .get_by_text("Stops answering the phone")
    ).to_be_visible()
