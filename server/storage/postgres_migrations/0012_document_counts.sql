-- Version 12 (PostgreSQL): the caseload's figures read from a document, with the number of
-- change rows they were read from. Kept in step with migrations/0012_document_counts.sql
-- (which says more). Every process reads and writes the same rows.
CREATE TABLE document_counts (
    doc_id              text    PRIMARY KEY,
    changes             bigint  NOT NULL,
    pending_suggestions integer NOT NULL
);
