-- Version 7: who joined and left each plan, and as what, because that changes who saw it
-- (GET /api/plans/{id}/membership and the digest). Append-only; written in the same
-- transaction as the change of `members` it records. A plan's person is not an event.
--   joined   the subject accepted an invitation (by_account: the subject); previous_role: the
--            role they had when they were last removed, if it was another
--   removed  the person removed the subject (by_account: the person)
--   left     the subject deleted their account (by_account: the subject)
-- role: the subject's role in the plan from then on (joined), or until then (removed, left).
CREATE TABLE membership_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id       TEXT    NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('joined', 'removed', 'left')),
    subject_id    TEXT    NOT NULL,
    by_account    TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    previous_role TEXT,
    at_ms         INTEGER NOT NULL
) STRICT;
CREATE INDEX membership_events_by_plan ON membership_events (plan_id, id);

-- The events before this version, from the audit log (version 2). An accepted invitation
-- changed the membership only if the account was not a member then (its previous event
-- for the plan, if any, ended the membership); its role is the invitation's. A removal or
-- a departure ends the role of the last accepted invitation that did.
CREATE TEMP TABLE _events AS
SELECT id, plan_id, by_account, action, subject, detail, at_ms,
       LAG(action) OVER (PARTITION BY plan_id, subject ORDER BY id) AS previous
FROM audit_log
WHERE action IN ('create-plan', 'accept-invite', 'revoke-member', 'leave')
  AND subject IS NOT NULL
  AND plan_id IN (SELECT id FROM plans);

CREATE TEMP TABLE _joins AS
SELECT id, plan_id, subject, detail AS role, at_ms
FROM _events
WHERE action = 'accept-invite'
  AND (previous IS NULL OR previous IN ('revoke-member', 'leave'))
  AND detail IN ('carer', 'clinician', 'viewer');

INSERT INTO membership_events
    (plan_id, kind, subject_id, by_account, role, previous_role, at_ms)
SELECT plan_id, kind, subject, by_account, role, previous_role, at_ms FROM (
    SELECT j.id, j.plan_id, 'joined' AS kind, j.subject, j.subject AS by_account, j.role,
           (SELECT NULLIF(p.role, j.role) FROM _joins p
            WHERE p.plan_id = j.plan_id AND p.subject = j.subject AND p.id < j.id
            ORDER BY p.id DESC LIMIT 1) AS previous_role,
           j.at_ms
    FROM _joins j
    UNION ALL
    SELECT e.id, e.plan_id, CASE e.action WHEN 'leave' THEN 'left' ELSE 'removed' END,
           e.subject, e.by_account,
           (SELECT p.role FROM _joins p
            WHERE p.plan_id = e.plan_id AND p.subject = e.subject AND p.id < e.id
            ORDER BY p.id DESC LIMIT 1),
           NULL, e.at_ms
    FROM _events e
    WHERE e.action IN ('revoke-member', 'leave')
)
WHERE role IS NOT NULL
ORDER BY id;

DROP TABLE _joins;
DROP TABLE _events;
