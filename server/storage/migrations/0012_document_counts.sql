-- Version 12: the caseload's figures read from a document, kept across restarts (issue 13
-- item 2, docs/decisions.md 36). (0011 is another change's.)
-- `changes` is the number of the document's change rows counted *before* the document was
-- read: rows are never deleted, so the figures are current exactly while the document still
-- has that many rows. A change committed after them (a crash before they were read again
-- included) makes them stale, and the caseload reads the document again; never wrong.
-- Rows go with their document (account deletion deletes every table naming `doc_id`).
CREATE TABLE document_counts (
    doc_id              TEXT    PRIMARY KEY,
    changes             INTEGER NOT NULL,
    pending_suggestions INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
