-- Version 3 (PostgreSQL): clinicians' sign-offs, mirrored from the plans' review-log
-- sections. Kept in step with migrations/0003_reviews.sql.
CREATE TABLE reviews (
    plan_id        text   NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    id             text   NOT NULL,  -- the review-log item id
    doc_id         text   NOT NULL,  -- the everyone document holding it
    reviewer_id    text   NOT NULL,  -- the clinician's account
    note           text   NOT NULL,
    next_review    text,             -- "YYYY-MM-DD"
    reviewed_at_ms bigint NOT NULL,  -- signoff.at, the reviewer's clock
    received_at_ms bigint NOT NULL,  -- when the server stored the sign-off's change
    heads          text   NOT NULL,  -- JSON {documentId: [hex change hash]}
    change_hash    text   NOT NULL,  -- the change that made the sign-off (hex)
    PRIMARY KEY (plan_id, id)
);
