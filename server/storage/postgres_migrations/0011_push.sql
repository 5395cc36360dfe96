-- Version 11 (PostgreSQL): Web Push notifications. Kept in step with
-- migrations/0011_push.sql (which says more).
CREATE TABLE push_vapid (
    id            integer PRIMARY KEY CHECK (id = 1),
    private_key   text    NOT NULL,
    created_at_ms bigint  NOT NULL
);

CREATE TABLE push_subscriptions (
    endpoint      text    PRIMARY KEY,
    account_id    text    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    p256dh        text    NOT NULL,
    auth          text    NOT NULL,
    kinds         text    NOT NULL,
    created_at_ms bigint  NOT NULL
);
CREATE INDEX push_subscriptions_by_account ON push_subscriptions (account_id);

CREATE TABLE push_sent (
    key           text    PRIMARY KEY,
    plan_id       text    NOT NULL,
    sent_at_ms    bigint  NOT NULL
);
CREATE INDEX push_sent_by_time ON push_sent (sent_at_ms);
