"""My devices ends another phone's sign-in at once; a forgotten password is reset by mail."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import expect

from tests.e2e.flows import PhoneFactory, person_with_plan
from tests.e2e.phone import PASSWORD, WAIT_MS, Phone
from tests.support.server_process import ServerHandle, free_port
from tests.support.smtp import Inbox, smtp_server

NEW_PASSWORD = "my brand new passphrase"  # noqa: S105 - test accounts only


@pytest_asyncio.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with smtp_server() as running:
        yield running


@pytest_asyncio.fixture
async def server(tmp_path: Path, inbox: Inbox) -> AsyncIterator[ServerHandle]:
    """The server process, sending mail to the test's SMTP server."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    handle = ServerHandle(
        free_port(), data_dir, tmp_path / "server.log", args=("--smtp-url", inbox.url)
    )
    await handle.start()
    try:
        yield handle
    finally:
        await handle.teardown()


async def sign_in(phone: Phone, email: str, password: str) -> None:
    page = phone.page
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.locator("form").get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Hello, Pat")).to_be_visible(timeout=WAIT_MS)


async def test_ending_another_device_signs_it_out_at_once(phone: PhoneFactory) -> None:
    person = await person_with_plan(phone)
    other = await phone("Other")
    await sign_in(other, person.email, PASSWORD)
    await expect(other.page.locator("main#main")).to_contain_text("Pat")
    page = person.page
    await page.goto("/#/")
    await page.get_by_role("link", name="My devices").click()
    await expect(page.get_by_role("heading", name="My devices")).to_be_focused()

    cards = page.locator("li.device")
    await expect(cards).to_have_count(2)
    await expect(cards.filter(has_text="(this device)")).to_have_count(1)
    this_one = cards.filter(has_text="(this device)")
    await expect(this_one.get_by_role("button")).to_have_count(0)
    end = page.get_by_role("button", name=re.compile(r"^End .*signed-in browser"))
    await expect(end).to_have_count(1)
    await end.click()

    await expect(page.get_by_role("status")).to_contain_text("Ended:")
    await expect(cards).to_have_count(1)
    await expect(page.get_by_role("heading", name="My devices")).to_be_focused()
    await expect(other.page.get_by_text("Your sign-in has ended")).to_be_visible(timeout=5_000)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


async def test_a_forgotten_password_is_reset_by_the_link_in_the_mail(
    phone: PhoneFactory, inbox: Inbox
) -> None:
    person = await person_with_plan(phone)
    lost = await phone("Lost")
    page = lost.page
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_role("button", name="Forgot password?").click()
    await page.get_by_label("Email").fill(person.email)
    await page.get_by_role("button", name="Email me a link").click()
    await expect(page.get_by_role("status")).to_contain_text("a link to choose a new password")

    message = await inbox.next(timeout_s=20)
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"http://\S+/#/reset-password/[A-Za-z0-9_-]+", body.get_content())
    assert found is not None
    await page.goto(found.group(0))
    await page.get_by_label("New password (at least 8 characters)").fill(NEW_PASSWORD)
    await page.get_by_label("The same password again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set password and sign in").click()

    await expect(page.get_by_role("heading", name="Hello, Pat")).to_be_visible(timeout=WAIT_MS)
    assert "reset-password" not in page.url
    await expect(person.page.get_by_text("Your sign-in has ended")).to_be_visible(timeout=5_000)
