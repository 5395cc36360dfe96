-- Version 5 (PostgreSQL): changes taken out of a stored document, kept for an operator.
-- Kept in step with migrations/0005_quarantine.sql.
CREATE TABLE quarantined_changes (
    doc_id            text   NOT NULL,
    hash              bytea  NOT NULL,
    bytes             bytea  NOT NULL,
    reason            text   NOT NULL,
    quarantined_at_ms bigint NOT NULL,
    PRIMARY KEY (doc_id, hash)
);
