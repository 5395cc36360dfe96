"""Invitations as people use them (issue 10 items 7, 8, 9 and 10): the new invitation in
view with Copy (and Share where the browser has it), pending ones listed and cancelled,
codes however typed, junk told kindly, one's own link refused, and whose plan it is."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, person_with_plan
from tests.e2e.phone import WAIT_MS

NOT_A_CODE = "That is not an invitation code"


async def test_a_new_invitation_is_in_view_with_copy_and_pending_ones_can_be_cancelled(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    page = person.page
    await person.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.get_by_role("link", name="People").click()
    await page.get_by_label("They are").select_option("clinician")
    await page.get_by_role("button", name="Create invitation").click()

    card = page.locator("[data-new-invite]")
    await expect(card).to_be_focused(timeout=WAIT_MS)
    await expect(card).to_be_in_viewport()
    code = await card.locator("[data-invite-code]").get_attribute("data-invite-code")
    assert code
    await card.get_by_role("button", name="Copy link").click()
    await expect(card.get_by_role("status")).to_have_text(
        "Link copied. Paste it into a message to them."
    )
    assert await page.evaluate("navigator.clipboard.readText()") == (
        f"{await page.evaluate('location.origin')}/#/join/{code}"
    )
    has_share = await page.evaluate("typeof navigator.share === 'function'")
    await expect(card.get_by_role("button", name="Share…")).to_have_count(1 if has_share else 0)

    await page.get_by_label("They are").select_option("carer")
    await page.get_by_role("button", name="Create invitation").click()
    pending = page.get_by_role("region", name="Invitations not used yet")
    await expect(pending.locator("li")).to_have_count(2)
    await expect(pending.locator("li").first).to_contain_text("For a clinician")
    await expect(pending.locator("li").last).to_contain_text("For a carer")
    await expect(pending.locator("li").first).to_contain_text("expires")
    await pending.locator("li").first.get_by_role("button", name="Cancel").click()
    await expect(pending.locator("li")).to_have_count(1)
    await expect(pending.locator("li")).to_contain_text("For a carer")

    # The cancelled code no longer works for anyone.
    lee = await phone("Lee")
    await lee.sign_up()
    await lee.page.get_by_label("Invitation code").fill(code)
    await lee.page.get_by_role("button", name="Join plan").click()
    await expect(lee.page.get_by_role("alert")).to_contain_text("cancelled")


async def test_the_person_is_told_their_own_link_is_for_someone_else_and_it_stays_valid(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone, "Sam")
    code = await person.invite("carer")

    await person.open(f"/#/join/{code}")
    page = person.page
    await expect(page.get_by_role("heading", name="Sam's safety plan", level=1)).to_be_visible()
    await expect(page.locator("[data-own-invite]")).to_contain_text(
        "This is your own invitation, for someone else"
    )
    await expect(page.get_by_role("button", name="Join", exact=False)).to_have_count(0)
    await page.get_by_role("link", name="Back to my plans").click()
    await page.get_by_label("Invitation code").fill(code)
    await page.get_by_role("button", name="Join plan").click()
    await expect(page.get_by_role("alert")).to_contain_text("for someone else to join your plan")

    carer = await phone("Cat")
    await carer.sign_up()
    await carer.open(f"/#/join/{code}")
    cpage = carer.page
    await expect(cpage.get_by_role("heading", name="Sam's safety plan", level=1)).to_be_visible()
    await expect(
        cpage.get_by_text("Sam has invited you to their safety plan as their carer")
    ).to_be_visible()
    await cpage.get_by_role("button", name="Join Sam's plan").click()
    await expect(cpage.locator("[data-sync]")).to_be_visible(timeout=WAIT_MS)


async def test_codes_are_taken_however_typed_and_junk_gets_a_kind_message(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    code = await person.invite("carer")
    carer = await phone("Cat")
    await carer.sign_up()
    page = carer.page

    await page.get_by_label("Invitation code").fill("abcd/efgh")
    await page.get_by_role("button", name="Join plan").click()
    await expect(page.get_by_role("alert")).to_contain_text(NOT_A_CODE)
    page = await carer.open("/#/join/ABCD/EFGH")
    await expect(page.get_by_role("alert")).to_contain_text(NOT_A_CODE)
    await expect(page.get_by_text("Not Found")).to_have_count(0)

    await page.get_by_role("link", name="Back to my plans").click()
    await page.get_by_label("Invitation code").fill(f"  {code.lower().replace('-', ' ')} ")
    await page.get_by_role("button", name="Join plan").click()
    await expect(page.locator("[data-sync]")).to_be_visible(timeout=WAIT_MS)


async def test_a_members_home_plan_and_crisis_card_say_whose_plan_it_is(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone, "Sam")
    await person.add("warning-signs", "Stops eating")
    code = await person.invite("carer")
    carer = await phone("Cat")
    await carer.sign_up()
    await carer.join(code)
    page = carer.page

    await expect(page.get_by_role("heading", name="Sam's safety plan", level=1)).to_be_visible()
    await expect(page.locator("[data-whose-plan]")).to_have_text("You are their carer.")
    await page.get_by_role("link", name="Crisis card").click()
    await expect(page.get_by_role("heading", name="Sam's crisis card", level=1)).to_be_visible()
    await expect(page.get_by_text("These are Sam's steps, not yours.")).to_be_visible()
    await expect(page.get_by_text("Stops eating")).to_be_visible()
    await page.get_by_role("link", name="My plans").click()
    link = page.locator("a.plan-link")
    await expect(link).to_contain_text("Sam's safety plan")
    await expect(link).to_contain_text("You are their carer")
    # The person's own screens keep their own words.
    await person.page.get_by_role("link", name="Crisis card").click()
    await expect(person.page.get_by_role("heading", name="Crisis card", level=1)).to_have_text(
        "Crisis card"
    )
