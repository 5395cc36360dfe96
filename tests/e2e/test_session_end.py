"""A phone whose sign-in ended elsewhere says so, keeps what is written on it, and syncs it
once the person signs in again."""

import re

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, person_with_plan
from tests.e2e.local_copies import (
    REMOVED_WITHIN_MS,
    gone_from_storage,
    member_documents,
    stored_keys,
)
from tests.e2e.phone import PASSWORD
from tests.support.server_process import ServerHandle


async def test_an_ended_session_is_explained_and_nothing_written_is_lost(
    phone: PhoneFactory, server: ServerHandle
) -> None:
    person = await person_with_plan(phone)
    await person.expect_sync("saved")
    plan_id = person.plan_id()

    ended = await person.context.request.delete("/api/session", headers={"origin": server.base_url})
    assert ended.status == 204
    # The open page says so at once (the server tells the connection why it closes it);
    # the person's own plan stays on the phone, readable and writable.
    await expect(person.page.get_by_text("Your sign-in has ended")).to_be_visible(timeout=2_000)
    await expect(person.page.get_by_role("heading", name="My safety plan")).to_be_visible()
    await person.add("coping", "Written after the session ended")
    await person.expect_sync("device-only")
    await expect(person.page.locator("[data-sync]")).to_contain_text("Not connected")

    page = await person.open(f"/#/plan/{plan_id}")
    await expect(page.get_by_text("Your sign-in has ended")).to_be_visible()
    await expect(person.item("coping", "Written after the session ended")).to_be_visible()
    await page.get_by_role("link", name="Sign in again").click()
    await page.get_by_label("Password").fill(PASSWORD)
    await page.locator("form").get_by_role("button", name="Sign in").click()

    await expect(person.item("coping", "Written after the session ended")).to_be_visible()
    await person.expect_sync("saved")
    await expect(page.get_by_text("Your sign-in has ended")).to_have_count(0)


async def test_a_carers_ended_session_removes_the_persons_plan_from_their_phone(
    phone: PhoneFactory, server: ServerHandle
) -> None:
    """Someone else's plan does not stay readable on a phone whose sign-in has ended (a
    shared phone, a lost phone signed out from elsewhere): it leaves at once, as on a
    removal, and comes back after signing in again."""
    person = await person_with_plan(phone)
    await person.add("coping", "Walk by the river")
    carer = await carer_joins(phone, person)
    await expect(carer.item("coping", "Walk by the river")).to_be_visible()
    await carer.expect_sync("saved")
    plan_id = person.plan_id()
    documents = await member_documents(carer, plan_id)
    assert await stored_keys(carer, documents)

    ended = await carer.context.request.delete("/api/session", headers={"origin": server.base_url})
    assert ended.status == 204

    await expect(carer.page.get_by_text("Your sign-in has ended").first).to_be_visible(
        timeout=REMOVED_WITHIN_MS
    )
    await expect(carer.page.get_by_text("Walk by the river")).to_have_count(0)
    await gone_from_storage(carer, documents)
    page = await carer.open("/")
    await page.get_by_role("link", name="Sign in again").click()
    await page.get_by_label("Password").fill(PASSWORD)
    await page.locator("form").get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name=re.compile("safety plan", re.IGNORECASE)).first.click()
    await expect(carer.item("coping", "Walk by the river")).to_be_visible()
