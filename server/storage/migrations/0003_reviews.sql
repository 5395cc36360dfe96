-- Version 3: clinicians' sign-offs, mirrored from the plans' review-log sections. Rows are
-- upserted whenever the sign-offs are read and never deleted.
CREATE TABLE reviews (
    plan_id        TEXT    NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    id             TEXT    NOT NULL,  -- the review-log item id
    doc_id         TEXT    NOT NULL,  -- the everyone document holding it
    reviewer_id    TEXT    NOT NULL,  -- the clinician's account
    note           TEXT    NOT NULL,
    next_review    TEXT,              -- "YYYY-MM-DD"
    reviewed_at_ms INTEGER NOT NULL,  -- signoff.at, the reviewer's clock
    received_at_ms INTEGER NOT NULL,  -- when the server stored the sign-off's change
    heads          TEXT    NOT NULL,  -- JSON {documentId: [hex change hash]}
    change_hash    TEXT    NOT NULL,  -- the change that made the sign-off (hex)
    PRIMARY KEY (plan_id, id)
) STRICT;
