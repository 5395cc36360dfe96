-- Version 4: account deletion (docs/decisions.md, "Deleting an account").
-- A deleted account stays as a tombstone: its id (which change rows, actor bindings and
-- audit lines keep) and when it was deleted; its email, name and password hash are erased.
ALTER TABLE accounts ADD COLUMN deleted_at_ms INTEGER;

-- Audit lines about an account rather than a plan (its deletion) have no plan: plan_id
-- becomes nullable. SQLite cannot drop a NOT NULL constraint, so the table is rebuilt
-- (nothing references it).
CREATE TABLE audit_log_v4 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id       TEXT,
    by_account    TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject       TEXT,
    detail        TEXT,
    at_ms         INTEGER NOT NULL
) STRICT;
INSERT INTO audit_log_v4 (id, plan_id, by_account, action, subject, detail, at_ms)
    SELECT id, plan_id, by_account, action, subject, detail, at_ms FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_v4 RENAME TO audit_log;
CREATE INDEX audit_log_by_plan ON audit_log (plan_id);
