"""Set-ups several browser tests share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from playwright.async_api import expect

from tests.e2e.phone import Phone

PhoneFactory = Callable[[str], Awaitable[Phone]]

ON_BOTH_DATABASES = pytest.mark.parametrize(
    "server_database", ["sqlite", "postgres"], indirect=True
)
"""A representative few browser tests run on SQLite and on PostgreSQL (a real server,
tests/support/postgres.py; conftest's `server_database`): offline edits, review and sign-off,
and what each audience sees. Every browser test on both would nearly double the longest part
of the suite for paths the interop, access and review suites already cover on both."""


def days_from_today(days: int) -> tuple[str, str]:
    """The day `days` from today here (the browser's time zone is this machine's): as a date
    field takes it ("2027-01-10") and as the app writes it ("10 January 2027")."""
    day = datetime.now().astimezone().date() + timedelta(days=days)
    return day.isoformat(), f"{day.day} {day:%B %Y}"


async def person_with_plan(phone: PhoneFactory, name: str = "Pat") -> Phone:
    person = await phone(name)
    await person.sign_up()
    await person.create_plan()
    return person


async def member_joins(phone: PhoneFactory, person: Phone, role: str, name: str) -> Phone:
    """The person invites someone, who signs up on their own phone and accepts."""
    code = await person.invite(role)
    member = await phone(name)
    await member.sign_up()
    await member.join(code)
    return member


async def carer_joins(phone: PhoneFactory, person: Phone, name: str = "Cat") -> Phone:
    return await member_joins(phone, person, "carer", name)


async def clinician_reviews(
    phone: PhoneFactory, section: str = "coping", item: str = "Walk by the river"
) -> tuple[Phone, Phone]:
    """Pat, whose plan holds one item, and Lee, their clinician, on the Review screen with
    Pat's changes shown."""
    person = await person_with_plan(phone)
    await person.add(section, item)
    clinician = await member_joins(phone, person, "clinician", "Lee")
    await clinician.page.get_by_role("link", name="Review").click()
    await expect(clinician.page.get_by_role("region", name="Changes by Pat")).to_be_visible()
    return person, clinician
