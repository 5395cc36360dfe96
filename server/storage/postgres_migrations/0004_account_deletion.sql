-- Version 4 (PostgreSQL): account deletion. Kept in step with
-- migrations/0004_account_deletion.sql. A deleted account stays as a tombstone.
ALTER TABLE accounts ADD COLUMN deleted_at_ms bigint;

-- Audit lines about an account rather than a plan (its deletion) have no plan.
ALTER TABLE audit_log ALTER COLUMN plan_id DROP NOT NULL;
CREATE INDEX audit_log_by_plan ON audit_log (plan_id);
