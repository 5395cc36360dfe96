"""The person removes a carer: the carer stops receiving the plan at once, and its copy
leaves the carer's phone."""

from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, carer_joins, member_joins, person_with_plan
from tests.e2e.local_copies import (
    REMOVED_WITHIN_MS,
    gone_from_storage,
    member_documents,
    stored_keys,
)
from tests.e2e.phone import PASSWORD
from tests.support.server_process import ServerHandle


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


async def test_a_removed_carers_open_page_says_so_within_two_seconds(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Before removal")
    carer = await carer_joins(phone, person)
    await expect(carer.item("coping", "Before removal")).to_be_visible()
    await carer.expect_sync("saved")
    plan_id = person.plan_id()
    documents = await member_documents(carer, plan_id)
    assert await stored_keys(carer, documents)  # the plan is on the carer's phone

    page = person.page
    await page.get_by_role("link", name="People").click()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Remove Cat").click()

    # The carer's page is still open, never reloaded.
    await expect(carer.page.get_by_text("You are no longer part of this plan")).to_be_visible(
        timeout=REMOVED_WITHIN_MS
    )
    await expect(carer.page.get_by_text("Before removal")).to_have_count(0)
    await expect(carer.page.locator("[data-sync]")).to_have_count(0)
    await gone_from_storage(carer, documents)
    await carer.open("/")
    await expect(carer.page.get_by_text("You have no plan on this phone yet.")).to_be_visible()


async def test_when_the_person_deletes_their_account_open_pages_say_so_within_two_seconds(
    phone: PhoneFactory, server: ServerHandle
) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Written before the deletion")
    carer = await carer_joins(phone, person)
    await expect(carer.item("coping", "Written before the deletion")).to_be_visible()
    plan_id = person.plan_id()
    documents = await member_documents(carer, plan_id)

    deleted = await person.context.request.delete(
        "/api/accounts/me", data={"password": PASSWORD}, headers={"origin": server.base_url}
    )
    assert deleted.ok, await deleted.text()

    # Both pages are still open, never reloaded.
    await expect(carer.page.get_by_text("This plan has been deleted")).to_be_visible(
        timeout=REMOVED_WITHIN_MS
    )
    await expect(carer.page.get_by_text("Written before the deletion")).to_have_count(0)
    await gone_from_storage(carer, documents)
    await expect(person.page.get_by_text("This account has been deleted")).to_be_visible(
        timeout=REMOVED_WITHIN_MS
    )
    await expect(person.page.get_by_text("Written before the deletion")).to_have_count(0)


async def test_a_change_the_server_refuses_is_explained_never_left_syncing(
    phone: PhoneFactory,
) -> None:
    """A viewer's phone that believes it may write (its role as remembered is stale: here
    set by hand) suggests a change; the server refuses it, and the page says why."""
    person = await person_with_plan(phone)
    viewer = await member_joins(phone, person, "viewer", "Vic")
    await viewer.expect_sync("saved")
    plan_id = viewer.plan_id()
    await viewer.page.evaluate(
        """() => {
            for (const key of Object.keys(localStorage)) {
                if (!key.endsWith(".plans")) continue
                const plans = JSON.parse(localStorage.getItem(key))
                for (const plan of plans) plan.role = "carer"
                localStorage.setItem(key, JSON.stringify(plans))
            }
        }"""
    )
    await viewer.open(f"/#/plan/{plan_id}")
    await viewer.suggest("warning-signs", "Not for a viewer to write")

    alert = viewer.page.get_by_role("alert")
    await expect(alert).to_contain_text("did not accept a change", timeout=REMOVED_WITHIN_MS)
    await expect(alert).to_contain_text("you can read this plan but not change it")
    await expect(viewer.page.locator("[data-sync]")).not_to_contain_text("Syncing")
    await expect(viewer.page.locator("[data-sync]")).to_contain_text("refused")
