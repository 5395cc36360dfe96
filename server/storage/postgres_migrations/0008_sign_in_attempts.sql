-- Version 8 (PostgreSQL only): recent sign-in and sign-up attempts, shared by every server
-- process (server/auth/throttle.py), so trying another process gives no fresh attempts.
-- `key` is a SHA-256 of what is counted ("e:" + email, "a:" + address...): no email or
-- address is stored. Rows older than the longest window are deleted as new ones come.
-- SQLite has no such table: one process serves a SQLite file, and counts in its memory.
CREATE TABLE sign_in_attempts (
    key   bytea  NOT NULL,
    at_ms bigint NOT NULL
);
CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (key, at_ms);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (at_ms);
