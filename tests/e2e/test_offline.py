"""Offline first: edits made with no network survive reloads and merge without loss, and the
plan (with its call links) opens with no server at all."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, person_with_plan
from tests.support.server_process import ServerHandle


async def test_offline_edits_on_two_phones_converge_with_authors(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    await person.add("safer", "Sam keeps the tablets")
    carer = await carer_joins(phone, person)
    await expect(carer.item("safer", "Sam keeps the tablets")).to_be_visible()
    await person.expect_sync("saved")
    await carer.expect_sync("saved")

    await person.set_offline(True)
    await carer.set_offline(True)
    await person.expect_sync("offline")
    await person.edit("safer", "Sam keeps the tablets", "Sam keeps the tablets locked away")
    await person.add("coping", "Breathe out slowly")
    await carer.edit("safer", "Sam keeps the tablets", "Sam keeps all the tablets")
    await carer.add("safer", "I ring Pat every evening")
    await person.expect_sync("device-only")
    await carer.expect_sync("device-only")

    plan_id = person.plan_id()
    await person.open(f"/#/plan/{plan_id}")
    await carer.open(f"/#/plan/{plan_id}")
    await expect(person.item("safer", "Sam keeps the tablets locked away")).to_be_visible()
    await expect(person.item("coping", "Breathe out slowly")).to_be_visible()
    await expect(carer.item("safer", "Sam keeps all the tablets")).to_be_visible()
    await expect(carer.item("safer", "I ring Pat every evening")).to_be_visible()
    await person.expect_sync("device-only")

    await person.set_offline(False)
    await carer.set_offline(False)
    merged = "Sam keeps all the tablets locked away"
    for p in (person, carer):
        await expect(p.item("safer", merged)).to_be_visible()
        await expect(p.item("safer", "I ring Pat every evening")).to_be_visible()
        await expect(p.item("coping", "Breathe out slowly")).to_be_visible()
        await p.expect_sync("saved")
    assert await person.texts("safer") == await carer.texts("safer")
    assert await person.texts("coping") == await carer.texts("coping")
    await expect(person.byline("safer", "I ring Pat every evening")).to_contain_text(
        "Added by Cat (carer)"
    )
    await expect(carer.byline("safer", "I ring Pat every evening")).to_contain_text("Added by you")
    await expect(carer.byline("coping", "Breathe out slowly")).to_contain_text("Added by Pat")
    await expect(person.byline("coping", "Breathe out slowly")).to_contain_text("Added by you")
    await expect(carer.byline("safer", merged)).to_contain_text("Added by Pat")
    await expect(person.byline("safer", merged)).to_contain_text("changed by")


async def test_offline_cold_start_opens_the_plan_and_call_links(
    phone: PhoneFactory, server: ServerHandle
) -> None:
    person = await person_with_plan(phone)
    await person.add("help-contacts", "My sister Jo", phone="07911 123456")
    await person.add("warning-signs", "I stop eating")
    await person.add("reasons", "My niece Lily")
    await person.expect_sync("saved")
    await person.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    plan_id = person.plan_id()

    await server.teardown()
    page = await person.open(f"/#/plan/{plan_id}/card")
    await expect(page.get_by_role("heading", name="Crisis card")).to_be_visible()
    await expect(page.get_by_text("I stop eating")).to_be_visible()

    call = page.get_by_role("link", name="Call 07911 123456, My sister Jo")
    await expect(call).to_have_attribute("href", "tel:+447911123456")
    await expect(
        page.get_by_role("link", name="Text 07911 123456, My sister Jo")
    ).to_have_attribute("href", "sms:+447911123456")
    help_now = page.get_by_role("region", name="Get help now")
    await expect(help_now.get_by_role("link", name="Call Samaritans 116 123")).to_be_visible()
    await expect(help_now.get_by_role("link", name="Call Emergency services 999")).to_be_visible()
    await expect(page.get_by_role("region", name="My reasons for living")).to_contain_text(
        "My niece Lily"
    )
    # From navigation start to now, with the card and its help links on screen: a cold
    # start with no server at all, served by the service worker and IndexedDB.
    elapsed_ms = await page.evaluate("performance.now()")
    assert elapsed_ms < 1000, f"the card took {elapsed_ms:.0f} ms"
    await person.expect_sync("offline")
