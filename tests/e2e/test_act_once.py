"""Issue 10 item 11: every action acts once, however fast it is tapped (one shared guard in
the client, `client/src/ui/action.tsx`; the server ignores a repeated sign-off)."""

from typing import Any

from playwright.async_api import Locator, expect

from tests.e2e.flows import (
    PhoneFactory,
    carer_joins,
    clinician_reviews,
    days_from_today,
    person_with_plan,
)
from tests.e2e.phone import WAIT_MS, Phone


async def tap_twice(button: Locator) -> None:
    """Two taps in the same instant (before the app can re-render between them)."""
    await button.evaluate("b => { b.click(); b.click() }")


async def get(member: Phone, path: str) -> Any:
    response = await member.page.request.get(path)
    assert response.ok, await response.text()
    return await response.json()


async def test_mark_reviewed_tapped_twice_is_one_review_with_its_next_date(
    phone: PhoneFactory,
) -> None:
    person, clinician = await clinician_reviews(phone)
    plan_id = person.plan_id()
    page = clinician.page
    due, due_in_words = days_from_today(40)
    await page.get_by_label("Next review due").fill(due)

    await tap_twice(page.get_by_role("button", name="Mark reviewed"))

    await expect(page.get_by_text("Marked reviewed.")).to_be_visible()
    await clinician.expect_sync("saved")
    reviews = await get(clinician, f"/api/plans/{plan_id}/reviews")
    assert [r["nextReview"] for r in reviews] == [due]
    await expect(person.page.get_by_text(f"Next review due {due_in_words}")).to_be_visible(
        timeout=WAIT_MS
    )


async def test_accept_and_create_invitation_tapped_twice_act_once(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    carer = await carer_joins(phone, person)
    await carer.suggest("coping", "Cook together")
    accept = person.page.get_by_role("button", name="Accept: Cook together", exact=True)
    await expect(accept).to_be_visible(timeout=WAIT_MS)

    await tap_twice(accept)

    await expect(person.item("coping", "Cook together")).to_have_count(1)
    await expect(person.page.get_by_role("alert")).to_have_count(0)
    await person.expect_sync("saved")
    await expect(carer.item("coping", "Cook together")).to_have_count(1)


async def test_create_invitation_tapped_twice_makes_one(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    page = person.page
    await page.get_by_role("link", name="People").click()

    await tap_twice(page.get_by_role("button", name="Create invitation"))

    await expect(page.locator("[data-new-invite]")).to_be_visible(timeout=WAIT_MS)
    pending = page.get_by_role("region", name="Invitations not used yet")
    await expect(pending.locator("li")).to_have_count(1)
    assert len(await get(person, f"/api/plans/{person.plan_id()}/invites")) == 1
