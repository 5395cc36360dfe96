"""The person removes a carer: the carer stops receiving the plan at once, and its copy
leaves the carer's phone."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, person_with_plan


async def test_a_revoked_carer_stops_receiving_changes(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Before removal")
    carer = await carer_joins(phone, person)
    await expect(carer.item("coping", "Before removal")).to_be_visible()
    plan_id = person.plan_id()

    page = person.page
    await page.get_by_role("link", name="People").click()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Remove Cat").click()
    await expect(page.get_by_role("button", name="Remove Cat")).to_have_count(0)
    await page.get_by_role("link", name="Plan", exact=True).click()
    await person.add("coping", "After removal")
    await person.expect_sync("saved")

    # The person's change is durable on the server, which relays to subscribers as it
    # acknowledges: a carer still subscribed would have it by now.
    await expect(carer.item("coping", "After removal")).to_have_count(0)
    plans = await carer.context.request.get("/api/plans")
    assert plans.ok
    assert await plans.json() == []

    await carer.open(f"/#/plan/{plan_id}")
    await expect(carer.page.get_by_text("You are no longer part of this plan")).to_be_visible()
    await expect(carer.page.get_by_text("Before removal")).to_have_count(0)
    await carer.open("/")
    await expect(carer.page.get_by_text("You have no plan on this phone yet.")).to_be_visible()
