-- Version 8: recent sign-in and sign-up attempts (server/auth/throttle.py), kept in the
-- database so that a restart gives no fresh attempts, and, on PostgreSQL, neither does
-- another server process. `key` is a SHA-256 of what is counted ("e:" + email, "a:" +
-- address...): no email or address is stored. Old rows are deleted as new ones come.
CREATE TABLE sign_in_attempts (
    key   BLOB    NOT NULL,
    at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (key, at_ms);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (at_ms);
