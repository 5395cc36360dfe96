"""One contract suite for the records ports (accounts, credentials, plans, members, invites,
change rows, erasure) on every database adapter: SQLite and PostgreSQL."""

import asyncio

import msgspec

from server.storage.backends import Storage
from server.storage.records import AccountRow, AlreadyMember, CredentialRow, DocumentRow, PlanRow
from tests.support.automerge_docs import document_with, new_document_id, records_of

DAY_MS = 24 * 3600 * 1000
NOW = 1_800_000_000_000


def account(account_id: str, email: str | None = None) -> AccountRow:
    return AccountRow(
        id=account_id,
        email=email or f"{account_id}@example.invalid",
        display_name=account_id.title(),
        password_hash="not-a-hash",  # noqa: S106 - a test account
    )


async def person_with_plan(storage: Storage, person: str = "pat") -> PlanRow:
    await storage.records.create_account(account(person), NOW)
    plan = PlanRow(
        id=f"plan-{person}", person_id=person, title="My plan", document_id=new_document_id()
    )
    assert await storage.records.create_plan(plan, NOW)
    return plan


async def member(storage: Storage, plan: PlanRow, who: str, role: str = "carer") -> None:
    await storage.records.create_account(account(who), NOW)
    code = who.encode() * 4
    await storage.records.create_invite(code, plan.id, role, plan.person_id, NOW, NOW + DAY_MS)
    assert await storage.records.accept_invite(code, who, NOW + 1) == (plan.id, role)


async def test_an_email_is_taken_whatever_the_case_of_its_ascii_letters(storage: Storage) -> None:
    records = storage.records
    assert await records.create_account(account("a", "Sam@Example.org"), NOW)

    assert not await records.create_account(account("b", "sam@EXAMPLE.ORG"), NOW)
    # Only ASCII letters fold, as the throttle's email_key says: another account.
    assert await records.create_account(account("c", "SÁM@example.org"), NOW)
    found = await records.account_by_email("SAM@example.ORG")
    assert found is not None
    assert found.id == "a"
    assert await records.account_by_email("sám@example.org") is None


async def test_sessions_expire_tokens_are_revoked_and_a_session_ends_once(
    storage: Storage,
) -> None:
    records = storage.records
    await records.create_account(account("pat"), NOW)
    session = CredentialRow(id="s1", account_id="pat", kind="session", expires_at_ms=NOW + 10)
    token = CredentialRow(id="t1", account_id="pat", kind="token", expires_at_ms=None)
    await records.create_credential(session, b"s" * 32, "session", NOW)
    await records.create_credential(token, b"t" * 32, "phone", NOW)

    assert await records.credential(b"s" * 32, NOW) == session
    assert await records.credential(b"s" * 32, NOW + 10) is None
    assert await records.credential(b"t" * 32, NOW + DAY_MS) == token
    assert not await records.revoke_token("t1", "someone-else", NOW)
    assert await records.revoke_token("t1", "pat", NOW)
    assert await records.credential(b"t" * 32, NOW) is None
    assert await records.end_session(b"s" * 32) == "s1"
    assert await records.end_session(b"s" * 32) is None


async def test_a_plan_has_its_person_and_its_documents_registered_once(storage: Storage) -> None:
    records = storage.records
    plan = await person_with_plan(storage)
    taken = msgspec.structs.replace(plan, id="another")
    second = DocumentRow(document_id=new_document_id(), plan_id=plan.id, audience="clinical")

    assert not await records.create_plan(taken, NOW)
    assert await records.register_document(second, "pat", NOW + 1)
    assert not await records.register_document(second, "pat", NOW + 2)

    stored = await records.plan(plan.id)
    assert stored == msgspec.structs.replace(plan, person_name="Pat")
    assert await records.plans_of("pat") == [(stored, "person")]
    assert await records.role_of(plan.id, "pat") == "person"
    assert [d.audience for d in await records.documents_of(plan.id)] == ["everyone", "clinical"]
    assert await records.document(second.document_id) == second
    assert await records.plan("another") is None


async def test_an_invite_is_used_once_and_a_member_keeps_the_role_they_have(
    storage: Storage,
) -> None:
    records = storage.records
    plan = await person_with_plan(storage)
    await records.create_account(account("cat"), NOW)
    await records.create_invite(b"1" * 32, plan.id, "carer", "pat", NOW, NOW + DAY_MS)
    await records.create_invite(b"2" * 32, plan.id, "viewer", "pat", NOW + 1, NOW + DAY_MS)

    view = await records.view_invite(b"1" * 32, "cat", NOW)
    assert view is not None
    assert (view.person_name, view.role, view.your_role) == ("Pat", "carer", None)
    assert [i.role for i in await records.pending_invites(plan.id, NOW)] == ["carer", "viewer"]
    assert await records.accept_invite(b"1" * 32, "cat", NOW + 1) == (plan.id, "carer")
    assert await records.accept_invite(b"1" * 32, "cat", NOW + 1) is None
    assert await records.accept_invite(b"2" * 32, "cat", NOW) == AlreadyMember(
        plan_id=plan.id, role="carer"
    )
    assert await records.cancel_invite(plan.id, b"2" * 32, "pat", NOW)
    assert not await records.cancel_invite(plan.id, b"2" * 32, "pat", NOW)
    assert await records.pending_invites(plan.id, NOW) == []
    assert [(m.account_id, m.role) for m in await records.members(plan.id)] == [
        ("pat", "person"),
        ("cat", "carer"),
    ]


async def test_one_invite_accepted_at_once_by_two_accounts_makes_one_member(
    storage: Storage,
) -> None:
    records = storage.records
    plan = await person_with_plan(storage)
    for who in ("cat", "lee"):
        await records.create_account(account(who), NOW)
    await records.create_invite(b"1" * 32, plan.id, "carer", "pat", NOW, NOW + DAY_MS)

    results = await asyncio.gather(
        records.accept_invite(b"1" * 32, "cat", NOW), records.accept_invite(b"1" * 32, "lee", NOW)
    )

    assert sorted(results, key=str) == sorted([(plan.id, "carer"), None], key=str)
    assert len(await records.members(plan.id)) == 2


async def test_removing_and_inviting_back_are_membership_events(storage: Storage) -> None:
    records = storage.records
    plan = await person_with_plan(storage)
    await member(storage, plan, "cat", "carer")

    assert not await records.revoke_member(plan.id, "pat", "pat", NOW + 2)  # not the person
    assert await records.revoke_member(plan.id, "cat", "pat", NOW + 2)
    assert await records.role_of(plan.id, "cat") is None
    await records.create_invite(b"2" * 32, plan.id, "clinician", "pat", NOW, NOW + DAY_MS)
    assert await records.accept_invite(b"2" * 32, "cat", NOW + 3) == (plan.id, "clinician")

    events = await records.membership_events(plan.id)
    assert [(e.kind, e.subject_id, e.by_id, e.role, e.previous_role) for e in events] == [
        ("joined", "cat", "cat", "carer", None),
        ("removed", "cat", "pat", "carer", None),
        ("joined", "cat", "cat", "clinician", "carer"),
    ]
    assert {e.subject_name for e in events} == {"Cat"}


async def test_change_rows_name_who_sent_them_and_each_actors_first(storage: Storage) -> None:
    plan = await person_with_plan(storage)
    doc = document_with({"a": "1", "b": "2"}, actor=b"\x07" * 16)
    records = [msgspec.structs.replace(r, account_id="pat", role="person") for r in records_of(doc)]
    await storage.store.append_changes(plan.document_id, records)

    rows = await storage.records.changes([plan.document_id, "unknown"])
    first = await storage.records.first_changes_by_actor([plan.document_id])

    assert [r.hash for r in rows] == [r.hash for r in records]
    assert {(r.account_id, r.display_name, r.role) for r in rows} == {("pat", "Pat", "person")}
    assert [r.hash for r in first] == [records[0].hash]
    assert await storage.records.changes([]) == []


async def test_erasing_a_person_deletes_their_plans_and_frees_their_email(
    storage: Storage,
) -> None:
    plan = await person_with_plan(storage)
    await member(storage, plan, "cat")
    other = await person_with_plan(storage, "ola")
    await member(storage, other, "pat", "viewer")
    doc = document_with({"a": "1"}, actor=b"\x09" * 16)
    changes = [msgspec.structs.replace(r, account_id="pat") for r in records_of(doc)]
    await storage.store.append_changes(plan.document_id, changes)
    session = CredentialRow(id="s1", account_id="pat", kind="session", expires_at_ms=NOW + DAY_MS)
    await storage.records.create_credential(session, b"s" * 32, "session", NOW)

    erased = await storage.erasure.erase_account("pat", NOW + 5)

    assert erased is not None
    assert erased.plan_ids == [plan.id]
    assert erased.document_ids == [plan.document_id]
    assert erased.changes == len(changes)
    assert erased.former_members == [(plan.id, "cat")]
    assert erased.memberships == [other.id]
    assert erased.credential_ids == ["s1"]
    assert erased.actors == [b"\x09" * 16]
    assert await storage.records.plan(plan.id) is None
    assert await storage.records.changes([plan.document_id]) == []
    assert await storage.store.list_changes(plan.document_id) == []
    assert await storage.records.account("pat") is None
    assert await storage.records.role_of(other.id, "pat") is None
    assert [e.kind for e in await storage.records.membership_events(other.id)][-1] == "left"
    assert await storage.erasure.erase_account("pat", NOW + 6) is None
    assert await storage.records.create_account(account("pat2", "pat@example.invalid"), NOW)
