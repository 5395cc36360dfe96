"""A clinician's review: the digest shows the person's and the carer's offline edits under
their names; marking it reviewed empties the next digest; a new change appears in it."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, member_joins, person_with_plan


async def test_clinician_reviews_offline_edits_signs_off_then_sees_new_changes(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Walk by the river")
    await person.add("safer", "Sam keeps the tablets")
    carer = await carer_joins(phone, person)
    clinician = await member_joins(phone, person, "clinician", "Lee")
    await expect(carer.item("safer", "Sam keeps the tablets")).to_be_visible()
    await person.set_offline(True)
    await carer.set_offline(True)
    await person.add("warning-signs", "I stop eating")
    await person.edit("safer", "Sam keeps the tablets", "Sam keeps the tablets locked away")
    await carer.add("safer", "I keep the car keys")
    await carer.edit("safer", "Sam keeps the tablets", "Sam keeps all the tablets")
    await person.expect_sync("device-only")
    await person.set_offline(False)
    await carer.set_offline(False)
    await person.expect_sync("saved")
    await carer.expect_sync("saved")

    page = clinician.page
    await page.get_by_role("link", name="Review").click()
    by_pat = page.get_by_role("region", name="Changes by Pat")
    by_cat = page.get_by_role("region", name="Changes by Cat (carer)")
    await expect(by_pat).to_contain_text("I stop eating")
    await expect(by_pat).to_contain_text("Walk by the river")
    await expect(by_cat).to_contain_text("I keep the car keys")
    await expect(by_cat).to_contain_text("reached the server")
    conflicts = page.get_by_role("region", name="Changed at the same time (1)")
    await expect(page.locator("article section.card").first).to_have_class("card conflicts")
    await expect(conflicts).to_contain_text("Sam keeps the tablets locked away")
    await expect(conflicts).to_contain_text("Sam keeps all the tablets")
    await expect(conflicts).to_contain_text("Sam keeps all the tablets locked away")
    await page.get_by_label("Next review due").fill("2027-01-10")
    await page.get_by_role("button", name="Mark reviewed").click()

    await expect(page.locator("[data-digest-empty]")).to_be_visible()
    await expect(person.page.get_by_text("Reviewed by Lee (clinician)")).to_be_visible()
    await expect(person.page.get_by_text("Next review due 10 January 2027")).to_be_visible()
    await person.add("coping", "Ring Jo on Sundays")
    await expect(by_pat).to_contain_text("Ring Jo on Sundays")
    await expect(by_pat).not_to_contain_text("I stop eating")
    await expect(page.get_by_role("region", name="Changes by Cat (carer)")).to_have_count(0)


async def test_history_opens_the_plan_as_it_was_at_a_review(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Before the review")
    clinician = await member_joins(phone, person, "clinician", "Lee")
    page = clinician.page
    await page.get_by_role("link", name="Review").click()
    await expect(page.get_by_role("region", name="Changes by Pat")).to_be_visible()
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.locator("[data-digest-empty]")).to_be_visible()
    await person.add("coping", "After the review")
    await person.expect_sync("saved")

    await page.get_by_role("link", name="History").click()
    await expect(page.get_by_role("img", name="Who changed the plan when")).to_be_visible()
    await page.get_by_role("button", name="View the plan as of the review").click()

    past = page.locator(".past")
    await expect(past.get_by_text("Before the review")).to_be_visible()
    await expect(past.get_by_text("After the review")).to_have_count(0)
    await expect(past.get_by_role("button", name="Edit: Before the review")).to_have_count(0)


async def test_the_persons_review_tab_lists_only_what_changed_after_the_review(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("reasons", "My niece, before the review")
    await person.add("coping", "Walk, before the review")
    clinician = await member_joins(phone, person, "clinician", "Lee")
    await person.expect_sync("saved")
    page = clinician.page
    await page.get_by_role("link", name="Review").click()
    await page.get_by_label("Note (optional)").fill("Talked it through")
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.locator("[data-digest-empty]")).to_be_visible()
    await expect(person.page.get_by_text("Reviewed by Lee (clinician)")).to_be_visible()
    await person.add("reasons", "My dog, after the review")
    await person.expect_sync("saved")

    mine = person.page
    await mine.get_by_role("link", name="Review").click()
    digest = mine.locator("article")
    await expect(digest.get_by_text("Changes since the review by Lee")).to_be_visible()
    await expect(digest).to_contain_text("My dog, after the review")
    await expect(digest).not_to_contain_text("before the review")
    await expect(mine.locator("[data-review-note]")).to_have_text(
        " Their note: “Talked it through”"
    )

    await mine.get_by_role("link", name="History").click()
    await expect(mine.locator("[data-review-note]")).to_have_text("Their note: “Talked it through”")
