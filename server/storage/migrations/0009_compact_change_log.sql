-- Version 8: a compact change log (issue 11, docs/decisions.md "A compact change log").
-- Every change row used to repeat its document id (text), actor, peer id, account id and role,
-- twice more in indexes, and to keep its bytes inline: once a snapshot covered them and they
-- became NULL, two thirds of the table's pages were empty space nothing reused. Now:
--   documents       one row per document id; the log refers to it by a small integer
--   change_origins  one row per (actor, peer, account, role): who delivered a change as whom
--   change_log      one row per change, never deleted: hash, seq, times, and those two keys
--   change_bytes    the bytes of changes no snapshot covers yet, deleted by compaction, so
--                   their pages go back to the free list and the next changes reuse them
-- `changes` stays, as a view with the old columns (readers and raw inserts see no difference:
-- an INSTEAD OF trigger files a row inserted into the view into the tables above).
-- Every row, its log position (the AUTOINCREMENT sequence included) and its attribution is
-- copied; bytes are copied too, compacted or not, exactly as they were.
CREATE TABLE documents (
    id     INTEGER PRIMARY KEY,
    doc_id TEXT    NOT NULL UNIQUE
) STRICT;

CREATE TABLE change_origins (
    id         INTEGER PRIMARY KEY,
    actor      BLOB    NOT NULL,
    peer_id    TEXT,
    account_id TEXT,
    role       TEXT
) STRICT;
-- Looked up with IS (NULLs match), which can use the index; not UNIQUE because SQLite treats
-- NULLs as distinct there: the trigger below inserts only what it did not find.
CREATE INDEX change_origins_by_actor ON change_origins (actor, peer_id, account_id, role);
CREATE INDEX change_origins_by_account ON change_origins (account_id);

-- No foreign keys to documents/change_origins: only this file and sqlite.py write these
-- tables, and a foreign key check is a lookup per row on the hottest write path.
CREATE TABLE change_log (
    log_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    doc            INTEGER NOT NULL,  -- documents.id
    hash           BLOB    NOT NULL,
    origin         INTEGER NOT NULL,  -- change_origins.id
    seq            INTEGER NOT NULL,
    change_time_ms INTEGER NOT NULL,  -- the change's own timestamp (client's claim)
    received_at_ms INTEGER NOT NULL,
    UNIQUE (doc, hash)
) STRICT;
CREATE INDEX change_log_by_origin ON change_log (origin);

CREATE TABLE change_bytes (
    log_id INTEGER PRIMARY KEY,  -- change_log.log_id
    doc    INTEGER NOT NULL,
    bytes  BLOB    NOT NULL
) STRICT;
CREATE INDEX change_bytes_by_doc ON change_bytes (doc, log_id);

INSERT INTO documents (doc_id)
    SELECT doc_id FROM changes GROUP BY doc_id ORDER BY MIN(log_id);
INSERT INTO change_origins (actor, peer_id, account_id, role)
    SELECT actor, peer_id, account_id, role FROM changes
    GROUP BY actor, peer_id, account_id, role ORDER BY MIN(log_id);
INSERT INTO change_log (log_id, doc, hash, origin, seq, change_time_ms, received_at_ms)
    SELECT c.log_id, d.id, c.hash, o.id, c.seq, c.change_time_ms, c.received_at_ms
    FROM changes c
    JOIN documents d ON d.doc_id = c.doc_id
    JOIN change_origins o ON o.actor = c.actor AND o.peer_id IS c.peer_id
        AND o.account_id IS c.account_id AND o.role IS c.role
    ORDER BY c.log_id;
INSERT INTO change_bytes (log_id, doc, bytes)
    SELECT c.log_id, d.id, c.bytes FROM changes c JOIN documents d ON d.doc_id = c.doc_id
    WHERE c.bytes IS NOT NULL ORDER BY c.log_id;
-- Log positions are never reused, also those of rows an erasure deleted.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'change_log', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'change_log');
UPDATE sqlite_sequence
SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0))
WHERE name = 'change_log';

DROP TABLE changes;

CREATE VIEW changes AS
SELECT c.log_id, d.doc_id, c.hash, o.actor, c.seq, c.change_time_ms, c.received_at_ms,
       o.peer_id, o.account_id, o.role, b.bytes
FROM change_log c
JOIN documents d ON d.id = c.doc
JOIN change_origins o ON o.id = c.origin
LEFT JOIN change_bytes b ON b.log_id = c.log_id;

-- Appending a change: a row inserted into the view. A change already logged for its document
-- (same hash) is ignored, and its bytes too (changes() is 0 when the log row was not added).
CREATE TRIGGER changes_insert INSTEAD OF INSERT ON changes
BEGIN
    INSERT OR IGNORE INTO documents (doc_id) VALUES (NEW.doc_id);
    INSERT INTO change_origins (actor, peer_id, account_id, role)
        SELECT NEW.actor, NEW.peer_id, NEW.account_id, NEW.role
        WHERE NOT EXISTS (
            SELECT 1 FROM change_origins
            WHERE actor = NEW.actor AND peer_id IS NEW.peer_id
              AND account_id IS NEW.account_id AND role IS NEW.role
        );
    INSERT OR IGNORE INTO change_log (doc, hash, origin, seq, change_time_ms, received_at_ms)
        SELECT d.id, NEW.hash, o.id, NEW.seq, NEW.change_time_ms, NEW.received_at_ms
        FROM documents d, change_origins o
        WHERE d.doc_id = NEW.doc_id
          AND o.actor = NEW.actor AND o.peer_id IS NEW.peer_id
          AND o.account_id IS NEW.account_id AND o.role IS NEW.role;
    INSERT INTO change_bytes (log_id, doc, bytes)
        SELECT last_insert_rowid(), (SELECT id FROM documents WHERE doc_id = NEW.doc_id), NEW.bytes
        WHERE changes() = 1 AND NEW.bytes IS NOT NULL;
END;
