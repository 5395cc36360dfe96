-- Version 11: Web Push notifications (issue 13, item 4; docs/decisions.md).
-- The server's VAPID key pair, made on first start: one row, the same for every process.
CREATE TABLE push_vapid (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    private_key   TEXT    NOT NULL,  -- base64url of the raw P-256 private value
    created_at_ms INTEGER NOT NULL
) STRICT;

-- A browser's push subscription: an endpoint belongs to one account at a time (the last to
-- subscribe it: a shared phone notifies only whoever signed in there last), with the kinds
-- of notification its person chose. Gone with the account.
CREATE TABLE push_subscriptions (
    endpoint      TEXT    PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    p256dh        TEXT    NOT NULL,
    auth          TEXT    NOT NULL,
    kinds         TEXT    NOT NULL,  -- comma-separated: proposal,review-due,membership
    created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX push_subscriptions_by_account ON push_subscriptions (account_id);

-- Notifications already sent, by what they were about (a proposal, a review date): the
-- first process to insert the key sends; restarts and other processes do not send again.
-- Keys name documents, plans and objects, never accounts; they go with their plan.
CREATE TABLE push_sent (
    key           TEXT    PRIMARY KEY,
    plan_id       TEXT    NOT NULL,
    sent_at_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX push_sent_by_time ON push_sent (sent_at_ms);
