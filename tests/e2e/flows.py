"""Set-ups several browser tests share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.e2e.phone import Phone

PhoneFactory = Callable[[str], Awaitable[Phone]]


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
