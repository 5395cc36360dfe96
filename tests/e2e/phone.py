"""One person's phone: a browser context driving the PWA the way a person would (by labels,
roles and visible text), plus the few data attributes the app exposes for status."""

from __future__ import annotations

import re

from playwright.async_api import BrowserContext, Locator, Page, expect

PASSWORD = "a long passphrase"  # noqa: S105 - test accounts only
WAIT_MS = 20_000


class Phone:
    def __init__(self, name: str, email: str, context: BrowserContext) -> None:
        self.name = name
        self.email = email
        self.context = context
        self.page_errors: list[str] = []
        self.console: list[str] = []  # shown in a failing test's report (log_sources)
        self._page: Page | None = None

    @property
    def page(self) -> Page:
        assert self._page is not None, "open() first"
        return self._page

    async def open(self, path: str = "/") -> Page:
        """A fresh page load (a new tab replacing the old one)."""
        if self._page is not None:
            await self._page.close()
        page = await self.context.new_page()
        page.on("pageerror", lambda e: self.page_errors.append(f"{self.name}: {e}"))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self._page = page
        await page.goto(path)
        await page.locator("main#main h1").first.wait_for()  # the app has rendered a screen
        return page

    # --- accounts and plans -------------------------------------------------------------

    async def sign_up(self) -> None:
        page = self.page
        await page.get_by_role("button", name="Create an account").click()
        await page.get_by_label("Your name").fill(self.name)
        await page.get_by_label("Email").fill(self.email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Create account").click()
        await expect(page.get_by_role("heading", name=f"Hello, {self.name}")).to_be_visible(
            timeout=WAIT_MS
        )

    async def create_plan(self, title: str = "My safety plan") -> str:
        page = self.page
        await page.get_by_label("Name of the plan").fill(title)
        await page.get_by_role("button", name="Create my plan").click()
        await expect(page.get_by_role("heading", name=title, level=1)).to_be_visible(
            timeout=WAIT_MS
        )
        return self.plan_id()

    def plan_id(self) -> str:
        match = re.search(r"#/plan/([^/]+)", self.page.url)
        assert match is not None, f"not on a plan page: {self.page.url}"
        return match.group(1)

    async def invite(self, role: str = "carer") -> str:
        page = self.page
        await page.get_by_role("link", name="People").click()
        await page.get_by_label("They are").select_option(role)
        await page.get_by_role("button", name="Create invitation").click()
        code = page.locator("[data-invite-code]")
        await expect(code).to_be_visible(timeout=WAIT_MS)
        value = await code.get_attribute("data-invite-code")
        assert value
        await page.get_by_role("link", name="Plan", exact=True).click()
        return value

    async def join(self, code: str) -> None:
        page = self.page
        await page.get_by_label("Invitation code").fill(code)
        await page.get_by_role("button", name="Join plan").click()
        await expect(page.locator("[data-sync]")).to_be_visible(timeout=WAIT_MS)

    # --- sections and items -------------------------------------------------------------

    def section(self, section_id: str) -> Locator:
        return self.page.locator(f'[data-section="{section_id}"]').first

    def item(self, section_id: str, text: str) -> Locator:
        return (
            self.section(section_id)
            .locator(".item")
            .filter(has=self.page.locator("p.text", has_text=re.compile(f"^{re.escape(text)}$")))
        )

    async def add(self, section_id: str, text: str, phone: str | None = None) -> None:
        section = self.section(section_id)
        await section.get_by_label("Add to").fill(text)
        if phone is not None:
            await section.get_by_label("Phone number").fill(phone)
        await section.get_by_role("button", name="Add", exact=True).click()
        await expect(self.item(section_id, text)).to_be_visible()

    async def suggest(self, section_id: str, text: str) -> None:
        section = self.section(section_id)
        await section.get_by_label("Suggest something").fill(text)
        await section.get_by_role("button", name="Suggest", exact=True).click()
        await expect(section.locator(".proposal p.text", has_text=text)).to_be_visible()

    async def edit(self, section_id: str, old: str, new: str) -> None:
        item = self.item(section_id, old)
        await item.get_by_role("button", name=f"Edit: {old}").click()
        field = self.section(section_id).get_by_label("Edit this item")
        await field.fill(new)
        await self.section(section_id).get_by_role("button", name="Save").click()
        await expect(self.item(section_id, new)).to_be_visible()

    async def texts(self, section_id: str) -> list[str]:
        return sorted(await self.section(section_id).locator(".item p.text").all_inner_texts())

    def byline(self, section_id: str, text: str) -> Locator:
        return self.item(section_id, text).locator(".byline")

    # --- sync -----------------------------------------------------------------------------

    async def expect_sync(self, state: str) -> None:
        await expect(self.page.locator("[data-sync]")).to_have_attribute(
            "data-sync", state, timeout=WAIT_MS
        )

    async def set_offline(self, offline: bool) -> None:
        await self.context.set_offline(offline)
