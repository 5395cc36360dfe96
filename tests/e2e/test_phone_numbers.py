"""Phone numbers (issue 10, item 2): checked where they are typed and wherever they are shown.

The form says what is wrong and keeps what was typed; every Call and Text button shows the
number it dials and links to its E.164 form; Text appears only for numbers that take texts;
a number that cannot be dialled, arriving from another phone or an older version of the
app (the server accepts any short line of text as a phone), is named instead of a button.
"""

import re

from automerge.core import ROOT, Document, SyncState
from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, person_with_plan
from tests.e2e.phone import Phone
from tests.support.automerge_docs import new_item
from tests.support.server_process import ServerHandle
from tests.support.wire_peer import WirePeer


async def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(
    phone: PhoneFactory,
) -> None:
    person = await person_with_plan(phone)
    section = person.section("help-contacts")
    field = section.get_by_label("Phone number")
    await section.get_by_label("Add to").fill("My sister Jo")

    await field.fill("call me maybe")
    await section.get_by_role("button", name="Add", exact=True).click()
    await expect(section.get_by_role("alert")).to_contain_text(
        "“call me maybe” is not a phone number: it has no digits."
    )
    await expect(field).to_have_value("call me maybe")
    await expect(field).to_be_focused()
    await expect(section.locator(".item")).to_have_count(0)

    await field.fill("07700 9OO123 ext. 4")
    await section.get_by_role("button", name="Add", exact=True).click()
    await expect(section.get_by_role("alert")).to_contain_text(
        "has the letter O in it; a phone number has only digits (did you mean 0?)"
    )
    await expect(field).to_have_value("07700 9OO123 ext. 4")
    await expect(section.locator(".item")).to_have_count(0)

    await field.fill("07911 123456")
    await expect(section.locator(".hint")).to_have_text("Call and Text: 07911 123456")
    await section.get_by_role("button", name="Add", exact=True).click()
    await expect(person.item("help-contacts", "My sister Jo")).to_be_visible()
    gp_phone = person.section("professional-contacts").get_by_label("Phone number")
    await gp_phone.fill("020 7946 0018")
    await expect(person.section("professional-contacts").locator(".hint")).to_have_text(
        "Call only: 020 7946 0018"
    )
    await person.add("professional-contacts", "GP surgery", phone="020 7946 0018")
    await person.add("professional-contacts", "Team in Lyon", phone="+33 6 12 34 56 78")

    page = person.page
    await page.get_by_role("link", name="Crisis card").click()
    jo = page.get_by_role("link", name="Call 07911 123456, My sister Jo")
    await expect(jo).to_have_attribute("href", "tel:+447911123456")
    await expect(jo).to_have_text("Call 07911 123456")
    await expect(
        page.get_by_role("link", name="Text 07911 123456, My sister Jo")
    ).to_have_attribute("href", "sms:+447911123456")
    gp = page.get_by_role("link", name="Call 020 7946 0018, GP surgery")
    await expect(gp).to_have_attribute("href", "tel:+442079460018")
    await expect(page.get_by_role("link", name=re.compile("^Text .*GP surgery"))).to_have_count(0)
    await expect(
        page.get_by_role("link", name="Text +33 6 12 34 56 78, Team in Lyon")
    ).to_have_attribute("href", "sms:+33612345678")


async def write_from_elsewhere(
    person: Phone, server: ServerHandle, items: list[tuple[str, str]]
) -> None:
    """Add contacts the way an older app (or a modified one) could: straight into the
    synced document, past the form's check. The server's shape rules accept them."""
    api = person.context.request
    token = await api.post(
        "/api/tokens", data={"label": "older app"}, headers={"origin": server.base_url}
    )
    assert token.ok, await token.text()
    plan_id = person.plan_id()
    listed = await api.get(f"/api/plans/{plan_id}/documents")
    assert listed.ok, await listed.text()
    doc_id = next(d["documentId"] for d in await listed.json() if d["audience"] == "everyone")
    peer = await WirePeer.connect(f"{server.url}?token={(await token.json())['token']}", "older")
    try:
        peer.docs[doc_id] = Document()
        peer.states[doc_id] = SyncState()
        await peer.receive_until(
            doc_id, lambda d: d.get(ROOT, "sections") is not None, request=True
        )
        for text, number in items:
            new_item(peer.doc(doc_id), "help-contacts", text, phone=number)
        await peer.sync(doc_id)
    finally:
        await peer.close()


async def test_numbers_that_arrive_from_elsewhere_are_checked_when_shown(
    phone: PhoneFactory, server: ServerHandle
) -> None:
    person = await person_with_plan(phone)
    await person.expect_sync("saved")
    await write_from_elsewhere(
        person,
        server,
        [
            ("Old friend", "call me maybe"),
            ("Typo", "07700 9OO123 ext. 4"),
            ("Aunt", "07400 123456"),
        ],
    )
    page = person.page
    await expect(person.item("help-contacts", "Old friend")).to_be_visible()
    await expect(person.item("help-contacts", "Old friend")).to_contain_text(
        "No number that can be dialled: “call me maybe”"
    )
    await page.get_by_role("link", name="Crisis card").click()
    await expect(page.get_by_text("No number that can be dialled: “call me maybe”")).to_be_visible()
    await expect(
        page.get_by_text("No number that can be dialled: “07700 9OO123 ext. 4”")
    ).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("Old friend"))).to_have_count(0)
    await expect(page.get_by_role("link", name=re.compile("Typo"))).to_have_count(0)
    await expect(page.locator('a[href="tel:"], a[href="sms:"]')).to_have_count(0)
    await expect(page.get_by_role("link", name="Call 07400 123456, Aunt")).to_have_attribute(
        "href", "tel:+447400123456"
    )
