-- Version 8 (PostgreSQL): recent sign-in and sign-up attempts, shared by every server
-- process, so trying another process gives no fresh attempts. Kept in step with
-- migrations/0008_sign_in_attempts.sql (which says more).
CREATE TABLE sign_in_attempts (
    key   bytea  NOT NULL,
    at_ms bigint NOT NULL
);
CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (key, at_ms);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (at_ms);
