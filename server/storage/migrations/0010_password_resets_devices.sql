-- Version 10: password resets by email, and what "My devices" shows (issue 13, items 6, 7).
-- (0009 is storage compaction's.)
-- A reset link's token is 32 random bytes; only its SHA-256 is kept. It is used once
-- (used_at_ms), within 30 minutes (expires_at_ms); rows go with their account.
CREATE TABLE password_resets (
    token_hash    BLOB    PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms    INTEGER
) STRICT;
CREATE INDEX password_resets_by_account ON password_resets (account_id);

-- A session's label names the browser it was made on ("Firefox on Android"), from its
-- User-Agent; sessions before this version have none. Both kinds note when they were last
-- used (at most once a minute, server/auth/service.py).
ALTER TABLE sessions ADD COLUMN label TEXT;
ALTER TABLE sessions ADD COLUMN last_used_at_ms INTEGER;
ALTER TABLE tokens ADD COLUMN last_used_at_ms INTEGER;
CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE INDEX tokens_by_account ON tokens (account_id);
