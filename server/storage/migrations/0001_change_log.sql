-- Version 1: the change log, snapshots and server metadata.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per Automerge change ever received, never deleted. `bytes` becomes NULL once a
-- snapshot covers the change (compaction); the row keeps who sent it and when.
CREATE TABLE changes (
    log_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id         TEXT    NOT NULL,
    hash           BLOB    NOT NULL,
    actor          BLOB    NOT NULL,
    seq            INTEGER NOT NULL,
    change_time_ms INTEGER NOT NULL,  -- the change's own timestamp (client's claim)
    received_at_ms INTEGER NOT NULL,
    peer_id        TEXT,
    account_id     TEXT,               -- filled by authenticated connections
    bytes          BLOB,
    UNIQUE (doc_id, hash)
) STRICT;

CREATE INDEX changes_by_doc ON changes (doc_id, log_id);

-- The latest doc.save() of a document; it contains every change with log_id <= upto_log_id.
CREATE TABLE snapshots (
    doc_id        TEXT    PRIMARY KEY,
    data          BLOB    NOT NULL,
    upto_log_id   INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;
