"""Signing out with no signal (issue 10, item 14): the warning about losing changes shows
only when the server has not acknowledged something, and after it the phone signs out."""

from playwright.async_api import Dialog, expect

from tests.e2e.flows import PhoneFactory, carer_joins, person_with_plan
from tests.e2e.local_copies import STORED_KEYS, database, member_documents, stored_keys
from tests.e2e.phone import Phone

_BOOKKEEPING = {"sp.pending-delete", "sp.pending-sign-out"}


async def sign_out(person: Phone) -> list[str]:
    """Press Sign out on the home screen, accept the warning; the warnings shown."""
    page = person.page
    messages: list[str] = []

    async def accept(dialog: Dialog) -> None:
        messages.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    if not await page.get_by_role("button", name="Sign out").is_visible():
        await page.get_by_role("link", name="My plans").click()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("button", name="Create an account")).to_be_visible()
    await expect(page.get_by_text("Assertion")).to_have_count(0)
    left = await page.evaluate("Object.keys(localStorage)")
    assert [k for k in left if k.startswith("sp.") and k not in _BOOKKEEPING] == []
    return messages


async def test_signing_out_offline_with_everything_saved_does_not_warn_of_loss(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    await person.add("coping", "Saved before going offline")
    await person.expect_sync("saved")
    await person.set_offline(True)
    await person.expect_sync("offline")

    messages = await sign_out(person)

    assert len(messages) == 1
    assert "stay safe on the server" in messages[0]
    assert person.page_errors == []


async def test_signing_out_offline_after_the_warning_signs_out(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    await person.expect_sync("saved")
    await person.set_offline(True)
    await person.add("coping", "Written with no signal")
    await person.expect_sync("device-only")

    messages = await sign_out(person)

    assert len(messages) == 1
    assert "have not reached the server" in messages[0]
    assert person.page_errors == []
    # Back online, the server session this phone signed out of is ended too. (Whether it
    # was still open while the phone was offline is not asserted: Chromium's offline
    # emulation does not always cover the service worker's requests, so the sign-out can
    # reach the server before the test goes online.)
    await person.set_offline(False)
    await person.page.wait_for_function("() => !('sp.pending-sign-out' in localStorage)")
    assert (await person.context.request.get("/api/me")).status == 401


async def test_changes_received_from_the_server_are_not_unsaved(phone: PhoneFactory) -> None:
    """A carer's suggestion reaches the person's phone while it shows the list of plans;
    it came from the server, so signing out offline loses nothing and says so."""
    person = await person_with_plan(phone)
    carer = await carer_joins(phone, person)
    await person.expect_sync("saved")
    documents = await member_documents(person, person.plan_id())
    await person.page.get_by_role("link", name="My plans").click()
    before = len(await stored_keys(person, documents))

    await carer.suggest("warning-signs", "Gives things away")
    await carer.expect_sync("saved")
    # The person's phone has stored the suggestion (a new chunk in IndexedDB).
    await person.page.wait_for_function(
        f"async (arg) => (await ({STORED_KEYS})(arg)).length > {before}",
        arg=[await database(person), documents],
    )
    await person.set_offline(True)

    messages = await sign_out(person)

    assert len(messages) == 1
    assert "stay safe on the server" in messages[0]
