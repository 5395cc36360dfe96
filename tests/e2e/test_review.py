"""A clinician's review: the digest shows the person's and the carer's offline edits under
their names; marking it reviewed empties the next digest; a new change appears in it."""

import re

from playwright.async_api import expect

from tests.e2e.flows import (
    ON_BOTH_DATABASES,
    PhoneFactory,
    carer_joins,
    clinician_reviews,
    days_from_today,
    member_joins,
    person_with_plan,
)


@ON_BOTH_DATABASES
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
    due, due_in_words = days_from_today(40)
    await page.get_by_label("Next review due").fill(due)
    await page.get_by_role("button", name="Mark reviewed").click()

    await expect(page.locator("[data-digest-empty]")).to_be_visible()
    await expect(person.page.get_by_text("Reviewed by Lee (clinician)")).to_be_visible()
    await expect(person.page.get_by_text(f"Next review due {due_in_words}")).to_be_visible()
    await person.add("coping", "Ring Jo on Sundays")
    await expect(by_pat).to_contain_text("Ring Jo on Sundays")
    await expect(by_pat).not_to_contain_text("I stop eating")
    await expect(page.get_by_role("region", name="Changes by Cat (carer)")).to_have_count(0)


async def test_history_opens_the_plan_as_it_was_at_a_review(phone: PhoneFactory) -> None:
    person, clinician = await clinician_reviews(phone, item="Before the review")
    page = clinician.page
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


async def test_a_signed_off_review_offers_no_edit_or_remove_to_anyone(phone: PhoneFactory) -> None:
    """A sign-off is a record (the server refuses any change to it); corrections are a new
    review. A plain note in the review log stays editable by those who write there."""
    person, clinician = await clinician_reviews(phone, "review-log", "We meet every month")
    page = clinician.page
    await page.get_by_label("Note (optional)").fill("Seen with Pat on Monday")
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.locator("[data-digest-empty]")).to_be_visible()
    await page.get_by_role("link", name="Plan", exact=True).click()

    for viewer in (person, clinician):
        signed = viewer.item("review-log", "Seen with Pat on Monday")
        await expect(signed).to_be_visible()
        await expect(signed.get_by_role("button")).to_have_count(0)
        note = viewer.item("review-log", "We meet every month")
        await expect(note.get_by_role("button", name="Edit: We meet every month")).to_be_visible()
        await expect(note.get_by_role("button", name="Remove: We meet every month")).to_be_visible()


async def test_the_clinician_sees_who_joined_and_left_in_review_and_history(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    clinician = await member_joins(phone, person, "clinician", "Lee")
    await carer_joins(phone, person)
    page = person.page
    await page.get_by_role("link", name="People").click()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Remove Cat").click()
    await expect(page.get_by_role("button", name="Remove Cat")).to_have_count(0)

    review = clinician.page
    await review.get_by_role("link", name="Review").click()
    joined = review.get_by_role("region", name="Who joined or left the plan")
    await expect(joined.locator("li")).to_have_text(
        [
            re.compile(r"^Lee joined as clinician.*2\d\d\d"),
            re.compile(r"^Cat joined as carer.*2\d\d\d"),
            re.compile(r"^Pat removed Cat \(carer\).*2\d\d\d"),
        ]
    )
    await review.get_by_role("button", name="Mark reviewed").click()
    await expect(review.locator("[data-digest-empty]")).to_be_visible()
    await expect(joined).to_have_count(0)

    await review.get_by_role("link", name="History").click()
    history = review.get_by_role("region", name="Who joined or left the plan, newest first")
    await expect(history.locator("li")).to_have_text(
        [
            re.compile(r"^Pat removed Cat \(carer\)"),
            re.compile(r"^Cat joined as carer"),
            re.compile(r"^Lee joined as clinician"),
        ]
    )
    await expect(history).not_to_contain_text("1970")


async def test_review_and_history_show_when_a_change_was_really_made(phone: PhoneFactory) -> None:
    """Automerge's change times are seconds: read as milliseconds they were all in 1970."""
    person = await person_with_plan(phone)
    await person.add("coping", "Walk by the river")
    clinician = await member_joins(phone, person, "clinician", "Lee")
    page = clinician.page
    today = await page.evaluate(
        "new Intl.DateTimeFormat('en-GB', {day: 'numeric', month: 'short'}).format(new Date())"
    )
    year = await page.evaluate("String(new Date().getFullYear())")

    await page.get_by_role("link", name="Review").click()
    made = page.get_by_role("region", name="Changes by Pat").locator(".byline").first
    await expect(made).to_contain_text(f"Made {today}, ")
    await page.get_by_role("link", name="History").click()
    timeline = page.get_by_role("img", name="Who changed the plan when")
    await expect(timeline).to_have_accessible_name(re.compile(f"from {today} to {today}"))
    moment = page.get_by_role("button", name=re.compile("^View the plan after Pat, "))
    await expect(moment.first).to_contain_text(f"Pat, {today} {year}, ")


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


async def test_a_next_review_date_that_has_passed_is_refused_in_words(
    phone: PhoneFactory,
) -> None:
    person, clinician = await clinician_reviews(phone)
    page = clinician.page
    field = page.get_by_label("Next review due")
    today, today_in_words = days_from_today(0)
    assert await field.get_attribute("min") == today  # the picker offers no earlier day

    yesterday, _ = days_from_today(-1)
    await field.fill(yesterday)  # typed, as a keyboard can
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.get_by_role("alert")).to_contain_text("The next review date has passed")
    await expect(page.locator("[data-digest-empty]")).to_have_count(0)
    await field.fill("")
    await field.focus()
    await page.keyboard.type("01")  # half a date: the field's value is "" meanwhile
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.get_by_role("alert")).to_contain_text("not a whole date")
    await expect(page.locator("[data-digest-empty]")).to_have_count(0)
    await field.fill("")
    await field.click(position={"x": 8, "y": 8})  # its first part, the month
    await page.keyboard.type("01102027099")  # five digits of year: `max` keeps four
    assert await field.input_value() == "7099-01-10"
    # A browser without the cap lets five digits through, as a script can set them:
    await field.evaluate(
        """(e) => {
          e.removeAttribute("max")
          e.value = "27099-01-10"
          e.dispatchEvent(new Event("input", { bubbles: true }))
        }"""
    )
    assert await field.input_value() == "27099-01-10"  # the plan would refuse this date
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.get_by_role("alert")).to_contain_text("a year of four digits")
    await expect(page.locator("[data-digest-empty]")).to_have_count(0)

    await field.fill(today)
    await page.get_by_role("button", name="Mark reviewed").click()
    await expect(page.locator("[data-digest-empty]")).to_be_visible()
    await expect(
        person.page.get_by_text(f"A review is due (since {today_in_words})")
    ).to_be_visible()
