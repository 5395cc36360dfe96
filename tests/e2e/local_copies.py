"""What of a plan is on a phone: the IndexedDB keys of its documents (automerge-repo's storage)."""

from tests.e2e.phone import Phone

# The IndexedDB keys (automerge-repo's storage) that name one of these documents.
STORED_KEYS = """async ([database, ids]) => {
    const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open(database)
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
    })
    const found = []
    for (const name of db.objectStoreNames) {
        const keys = await new Promise((resolve, reject) => {
            const request = db.transaction(name).objectStore(name).getAllKeys()
            request.onsuccess = () => resolve(request.result)
            request.onerror = () => reject(request.error)
        })
        for (const key of keys) {
            const text = JSON.stringify(key)
            if (ids.some((id) => text.includes(id))) found.push(text)
        }
    }
    db.close()
    return found
}"""

REMOVED_WITHIN_MS = 2_000


async def database(phone: Phone) -> str:
    """The name of the IndexedDB database of the account signed in on this phone."""
    account = await phone.page.evaluate("JSON.parse(localStorage['sp.current']).id")
    return f"safety-plan-{account}"


async def stored_keys(phone: Phone, document_ids: list[str]) -> list[str]:
    keys: list[str] = await phone.page.evaluate(STORED_KEYS, [await database(phone), document_ids])
    return keys


async def member_documents(member: Phone, plan_id: str) -> list[str]:
    response = await member.context.request.get(f"/api/plans/{plan_id}/documents")
    assert response.ok
    return [d["documentId"] for d in await response.json()]


async def gone_from_storage(phone: Phone, document_ids: list[str]) -> None:
    """Wait until IndexedDB holds nothing of these documents (fails after the 2 s)."""
    await phone.page.wait_for_function(
        f"async (arg) => (await ({STORED_KEYS})(arg)).length === 0",
        arg=[await database(phone), document_ids],
        timeout=REMOVED_WITHIN_MS,
    )
