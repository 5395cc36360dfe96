-- Version 5: changes taken out of a stored document because they should never have been in it
-- (a refused change an older server left in a snapshot, or a change depending on one), kept
-- for an operator to inspect. Erasure deletes them with their document (it has `doc_id`).
CREATE TABLE quarantined_changes (
    doc_id            TEXT    NOT NULL,
    hash              BLOB    NOT NULL,
    bytes             BLOB    NOT NULL,
    reason            TEXT    NOT NULL,
    quarantined_at_ms INTEGER NOT NULL,
    PRIMARY KEY (doc_id, hash)
) STRICT;
