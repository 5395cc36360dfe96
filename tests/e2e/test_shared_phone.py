"""One browser, several tabs and accounts: tabs share changes with no server; signing out
warns about changes the server does not have, then removes the account's data."""

from playwright.async_api import Dialog, expect

from tests.e2e.flows import PhoneFactory, person_with_plan
from tests.e2e.phone import PASSWORD

DATABASES = "indexedDB.databases().then(list => list.map(d => d.name))"


async def test_tabs_of_one_browser_share_changes_without_the_server(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    plan_id = person.plan_id()
    other_tab = await person.context.new_page()
    await other_tab.goto(f"/#/plan/{plan_id}")
    await expect(other_tab.get_by_role("heading", name="My warning signs")).to_be_visible()
    await person.set_offline(True)

    await person.add("coping", "Shared between tabs")

    await expect(
        other_tab.locator('[data-section="coping"] .item p.text', has_text="Shared between tabs")
    ).to_be_visible()
    await other_tab.close()


async def test_signing_out_warns_about_unsynced_changes_then_removes_local_data(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    page = person.page
    plan_id = person.plan_id()
    await person.expect_sync("saved")
    account_id = await page.evaluate("JSON.parse(localStorage['sp.current']).id")
    assert f"safety-plan-{account_id}" in await page.evaluate(DATABASES)
    await person.set_offline(True)
    await person.add("coping", "Written with no signal")
    await person.expect_sync("device-only")
    messages: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        messages.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await page.get_by_role("link", name="My plans").click()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Hello, Pat")).to_be_visible()
    assert len(messages) == 1
    assert "have not reached the server" in messages[0]

    await person.set_offline(False)
    await page.get_by_role("link", name="Crisis card").click()
    await person.expect_sync("saved")
    await page.get_by_role("link", name="My plans").click()

    async def accept(dialog: Dialog) -> None:
        messages.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="My safety plan")).to_be_visible()
    assert "stay safe on the server" in messages[1]
    await page.wait_for_function("async () => (await indexedDB.databases()).length === 0")
    assert await page.evaluate("Object.keys(localStorage)") == []

    await page.get_by_role("button", name="Sign in").first.click()
    await page.get_by_label("Email").fill(person.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.locator("form").get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="My safety plan").first.click()
    await expect(person.item("coping", "Written with no signal")).to_be_visible()
    assert plan_id in page.url
