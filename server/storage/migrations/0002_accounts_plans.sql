-- Version 2: accounts, credentials, plans and their members, actor bindings, audit log.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;

-- Browser sessions and device tokens: only SHA-256 hashes of the secrets are stored.
CREATE TABLE sessions (
    secret_hash   BLOB PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
    id            TEXT PRIMARY KEY,
    secret_hash   BLOB NOT NULL UNIQUE,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    label         TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER,
    revoked_at_ms INTEGER
) STRICT;

CREATE TABLE plans (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES accounts (id),
    title         TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;

-- Which plan a document belongs to and who may read it (consent enforced by the server).
CREATE TABLE plan_documents (
    doc_id        TEXT PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    audience      TEXT NOT NULL,
    registered_by TEXT NOT NULL REFERENCES accounts (id),
    created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX plan_documents_by_plan ON plan_documents (plan_id);

CREATE TABLE members (
    plan_id       TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('person', 'carer', 'clinician', 'viewer')),
    joined_at_ms  INTEGER NOT NULL,
    revoked_at_ms INTEGER,
    PRIMARY KEY (plan_id, account_id)
) STRICT;
CREATE INDEX members_by_account ON members (account_id);

CREATE TABLE invites (
    code_hash     BLOB PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('carer', 'clinician', 'viewer')),
    created_by    TEXT NOT NULL REFERENCES accounts (id),
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_by       TEXT REFERENCES accounts (id),
    used_at_ms    INTEGER
) STRICT;

-- Append-only: who changed whose access, when.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id       TEXT NOT NULL,
    by_account    TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject       TEXT,
    detail        TEXT,
    at_ms         INTEGER NOT NULL
) STRICT;

-- Each Automerge actor id belongs to the account whose connection first delivered it.
CREATE TABLE actors (
    actor         BLOB PRIMARY KEY,
    account_id    TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL
) STRICT;

ALTER TABLE changes ADD COLUMN role TEXT;
CREATE INDEX changes_by_account ON changes (account_id);
