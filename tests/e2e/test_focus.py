"""Issue 10 item 13 (WCAG 2.2 2.4.3 focus order): Edit puts focus in the field, Escape
cancels and gives focus back to Edit; a new screen puts focus on its heading."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, person_with_plan


async def test_edit_focuses_the_field_and_escape_cancels(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Walk by the river")
    section = person.section("coping")

    await section.get_by_role("button", name="Edit: Walk by the river").click()
    field = section.get_by_label("Edit this item")
    await expect(field).to_be_focused()
    await field.press("End")
    await field.press_sequentially(" at dawn")
    await field.press("Escape")

    await expect(section.get_by_label("Edit this item")).to_have_count(0)
    await expect(person.item("coping", "Walk by the river")).to_be_visible()
    await expect(section.get_by_role("button", name="Edit: Walk by the river")).to_be_focused()


async def test_a_new_screen_puts_focus_on_its_heading(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    page = person.page

    await page.get_by_role("link", name="People").click()
    await expect(page.get_by_role("heading", name="People in this plan", level=1)).to_be_focused()
    await page.get_by_role("link", name="Crisis card").click()
    await expect(page.get_by_role("heading", name="Crisis card", level=1)).to_be_focused()
    await page.get_by_role("link", name="My plans").click()
    await expect(page.get_by_role("heading", name="Hello, Pat", level=1)).to_be_focused()


async def test_the_tab_bar_shows_every_destination_at_390_px(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    page = person.page
    nav = page.get_by_role("navigation", name="Plan")
    links = nav.get_by_role("link")
    await expect(links).to_have_count(6)

    for name in ("My plans", "Plan", "Crisis card", "People", "Review", "History"):
        link = nav.get_by_role("link", name=name, exact=True)
        await expect(link).to_be_in_viewport(ratio=1)
        box = await link.bounding_box()
        assert box is not None
        assert box["x"] >= 0, (name, box)
        assert box["x"] + box["width"] <= 390, (name, box)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
