"""The records of "My devices" and password resets, on every database adapter."""

from server.storage.backends import Storage
from server.storage.records import AccountRow, CredentialRow

NOW = 1_800_000_000_000
MINUTES_30 = 30 * 60 * 1000


async def account_with_devices(storage: Storage, account_id: str) -> None:
    records = storage.records
    row = AccountRow(
        id=account_id,
        email=f"{account_id}@example.invalid",
        display_name=account_id.title(),
        password_hash="old-hash",  # noqa: S106 - a test account
    )
    assert await records.create_account(row, NOW)
    for n, kind in enumerate(("session", "token", "session")):
        credential = CredentialRow(
            id=f"{account_id}-{n}",
            account_id=account_id,
            kind=kind,
            expires_at_ms=NOW + 1000 if kind == "session" else None,
        )
        secret = f"{account_id}-{n}".encode().ljust(32, b".")
        await records.create_credential(credential, secret, f"label {n}", NOW + n)


async def test_devices_are_listed_newest_first_and_end_only_for_their_account(
    storage: Storage,
) -> None:
    records = storage.records
    await account_with_devices(storage, "pat")
    await account_with_devices(storage, "sam")
    await records.touch_credential("pat-1", NOW + 50)

    listed = await records.devices("pat", NOW + 100)
    not_theirs = await records.end_device("sam", "pat-0", NOW + 100)
    ended = [await records.end_device("pat", i, NOW + 100) for i in ("pat-0", "pat-1", "pat-1")]
    after = await records.devices("pat", NOW + 100)
    expired = await records.devices("pat", NOW + 1000 + 2)

    assert [(d.id, d.kind, d.label) for d in listed] == [
        ("pat-2", "session", "label 2"),
        ("pat-1", "token", "label 1"),
        ("pat-0", "session", "label 0"),
    ]
    assert [(d.created_at_ms, d.last_used_at_ms) for d in listed] == [
        (NOW + 2, NOW + 2),  # a session is used as it is made
        (NOW + 1, NOW + 50),
        (NOW, NOW),
    ]
    assert listed[1].expires_at_ms is None
    assert not not_theirs
    assert ended == [True, True, False]
    assert [d.id for d in after] == ["pat-2"]
    assert expired == []
    assert len(await records.devices("sam", NOW + 100)) == 3


async def test_a_reset_token_is_used_once_before_it_expires_and_ends_every_credential(
    storage: Storage,
) -> None:
    records = storage.records
    await account_with_devices(storage, "pat")
    await account_with_devices(storage, "sam")
    await records.create_password_reset(b"t" * 32, "pat", NOW, NOW + MINUTES_30)
    await records.create_password_reset(b"u" * 32, "pat", NOW, NOW + MINUTES_30)
    await records.create_password_reset(b"x" * 32, "pat", NOW, NOW + 10)

    expired = await records.password_reset_account(b"x" * 32, NOW + 10)
    found = await records.password_reset_account(b"t" * 32, NOW + 10)
    wrong_account = await records.reset_password(b"t" * 32, "sam", "new", NOW + 10)
    reset = await records.reset_password(b"t" * 32, "pat", "new-hash", NOW + 10)
    again = await records.reset_password(b"t" * 32, "pat", "newer", NOW + 11)
    sibling = await records.password_reset_account(b"u" * 32, NOW + 11)
    account = await records.account("pat")

    assert expired is None
    assert found == "pat"
    assert wrong_account is None
    assert reset is not None
    assert (reset.account_id, reset.email) == ("pat", "pat@example.invalid")
    assert sorted(reset.ended_credential_ids) == ["pat-0", "pat-1", "pat-2"]
    assert again is None
    assert sibling is None  # every pending reset of the account is used up
    assert account is not None
    assert account.password_hash == "new-hash"  # noqa: S105 - a test value
    assert await records.devices("pat", NOW + 11) == []
    assert len(await records.devices("sam", NOW + 11)) == 3


async def test_an_operators_reset_needs_no_token(storage: Storage) -> None:
    records = storage.records
    await account_with_devices(storage, "pat")
    await records.create_password_reset(b"t" * 32, "pat", NOW, NOW + MINUTES_30)

    reset = await records.reset_password(None, "pat", "by-operator", NOW + 1)
    gone = await records.reset_password(None, "nobody", "by-operator", NOW + 1)

    assert reset is not None
    assert len(reset.ended_credential_ids) == 3
    assert gone is None
    assert await records.password_reset_account(b"t" * 32, NOW + 2) is None
