-- Version 10 (PostgreSQL): password resets by email, and what "My devices" shows. Kept in
-- step with migrations/0010_password_resets_devices.sql (which says more).
CREATE TABLE password_resets (
    token_hash    bytea  PRIMARY KEY,
    account_id    text   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at_ms bigint NOT NULL,
    expires_at_ms bigint NOT NULL,
    used_at_ms    bigint
);
CREATE INDEX password_resets_by_account ON password_resets (account_id);

ALTER TABLE sessions ADD COLUMN label text;
ALTER TABLE sessions ADD COLUMN last_used_at_ms bigint;
ALTER TABLE tokens ADD COLUMN last_used_at_ms bigint;
CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE INDEX tokens_by_account ON tokens (account_id);
