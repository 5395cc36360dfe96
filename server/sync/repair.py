"""Stored documents an older server left wrong, made to load again (hardening issue 9.1).

Before changes were vetted on a copy, a refused change could stay in memory. Two stored
states follow from that, and both are repaired here, the durable change log being the truth:

- A snapshot holds a change the log never accepted (the refused change, saved at shutdown),
  and maybe changes made on top of it. Found by `scan_snapshots` once per database; those
  changes and everything after them are taken out.
- The log holds a change whose dependency was never stored (a peer built on the refused
  change, then the server was killed): the document no longer loaded. `load_stored` loads
  everything that can be loaded and leaves out what cannot.

And one more, from before changes waiting for a dependency were held per peer
(`PeerSyncState.held`): Automerge queued them in the live document and `save()` wrote that
queue into snapshots, where it asked every peer for dependencies that may never come.
`scan_snapshots` takes such changes out too.

Nothing taken out is lost: it is kept in the store's quarantine with the reason, logged in
one clear line per document, and the repaired document is saved as its new snapshot.
"""

import logging

from server.crdt import chunks
from server.crdt.engine import LiveDocument, SyncDataError
from server.errors import StorageError
from server.ids import DocumentId
from server.storage.protocol import DocumentStore, StoredDocument

log = logging.getLogger(__name__)

SCANNED = "repair:snapshots-v2"
"""Meta key set once every snapshot has been checked (new databases never need it). The
first version of the scan ("repair:unlogged-changes-in-snapshots") did not look for queued
changes; its check is repeated, harmlessly, by this one."""


async def load_stored(
    store: DocumentStore, document_id: DocumentId, stored: StoredDocument
) -> LiveDocument:
    """The stored document; if it does not load, what of it loads (the rest quarantined)."""
    try:
        return LiveDocument.load(stored.data)
    except SyncDataError as e:
        failure = str(e)
    try:
        doc, left_out = _loadable(stored.data)
    except (chunks.ChunkError, SyncDataError) as e:
        raise StorageError(f"stored document {document_id} does not load: {e}") from e
    reason = f"its dependencies are not stored ({failure})"
    await _quarantine(store, document_id, doc, left_out, reason, stored.log_position)
    return doc


async def scan_snapshots(store: DocumentStore) -> int:
    """Take out of every snapshot the changes the log never accepted, and queued changes.

    Returns how many documents were repaired.
    """
    if await store.get_meta(SCANNED) is not None:
        return 0
    repaired = 0
    for document_id in await store.snapshotted_documents():
        stored = await store.load(document_id)
        if stored is None:
            continue
        doc = await load_stored(store, document_id, stored)
        have = doc.change_hashes()
        queued = [
            (c.hash, c.raw)
            for c in chunks.split(stored.data)
            if c.kind != chunks.DOCUMENT and c.hash not in have
        ]
        if queued:  # rebuilt from its applied changes only, the document has no queue
            doc, _ = doc.without(set())
            reason = "they waited in the snapshot for changes the server never received"
            await _quarantine(store, document_id, doc, queued, reason, stored.log_position)
        logged = {c.hash for c in await store.list_changes(document_id)}
        unlogged = have - logged
        if unlogged:
            doc, left_out = doc.without(unlogged)
            reason = "never accepted into the change log (refused), or made on top of such a change"
            await _quarantine(store, document_id, doc, left_out, reason, stored.log_position)
        repaired += bool(queued or unlogged)
    await store.set_meta(SCANNED, "done")
    return repaired


def _loadable(data: bytes) -> tuple[LiveDocument, list[tuple[bytes, bytes]]]:
    """Load the snapshot and every stored change whose dependencies are there, in any order."""
    found = chunks.split(data)
    snapshot = b"".join(c.raw for c in found if c.kind == chunks.DOCUMENT)
    known = LiveDocument.load(snapshot).change_hashes() if snapshot else set()
    waiting = [c for c in found if c.kind != chunks.DOCUMENT and c.hash not in known]
    loadable: list[chunks.Chunk] = []
    progress = True
    while progress:
        progress = False
        still = []
        for change in waiting:
            if all(d in known for d in change.deps):
                known.add(change.hash)
                loadable.append(change)
                progress = True
            else:
                still.append(change)
        waiting = still
    doc = LiveDocument.load(snapshot + b"".join(c.raw for c in loadable))
    return doc, [(c.hash, c.raw) for c in waiting]


async def _quarantine(
    store: DocumentStore,
    document_id: DocumentId,
    doc: LiveDocument,
    left_out: list[tuple[bytes, bytes]],
    reason: str,
    log_position: int,
) -> None:
    log.error(
        "stored document %s repaired: %d change(s) taken out and quarantined, because %s: %s",
        document_id,
        len(left_out),
        reason,
        ", ".join(h.hex()[:12] for h, _ in left_out[:20]),
    )
    await store.quarantine(document_id, left_out, reason)
    await store.save_snapshot(document_id, doc.save(), log_position)
