-- Webhook subscriptions and their durable delivery queues (docs/events.md, "Webhooks").
--
-- `webhooks.after_pos` is the subscription's cursor in the event log: every published event
-- with a position up to it has been considered, and a delivery row queued for each that
-- matches. Moving the cursor and queuing the rows happen in one transaction, conditional on the
-- cursor not having moved meanwhile. Deliveries are claimed under a lease like dispatches; a
-- delivery waits while an earlier delivery of the same subscription about the same message is
-- unfinished (ordered per message). Every attempt is kept in `webhook_attempts`.

CREATE TABLE webhooks (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    url                 TEXT NOT NULL,
    event_types         TEXT NOT NULL,    -- JSON array of type patterns (`message.*`, `*`)
    channels            TEXT NOT NULL,    -- JSON array; empty = every channel
    secret              TEXT NOT NULL,    -- whsec_…
    allow_private_urls  INTEGER NOT NULL,
    source              TEXT NOT NULL,    -- config, forward_url or api
    api_key             TEXT,             -- the API key that created it
    after_pos           INTEGER NOT NULL, -- the cursor in the event log
    created_at_ms       INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id          TEXT NOT NULL,
    event_pos           INTEGER NOT NULL,
    message_id          TEXT,
    status              TEXT NOT NULL,    -- pending, in_flight, delivered, failed
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms  INTEGER NOT NULL,
    lease_token         TEXT,
    lease_until_ms      INTEGER,
    last_status_code    INTEGER,
    last_error          TEXT,
    created_at_ms       INTEGER NOT NULL,
    updated_at_ms       INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_pos);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at_ms);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, message_id, event_pos);

CREATE TABLE webhook_attempts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id         INTEGER NOT NULL,
    at_ms               INTEGER NOT NULL,
    status_code         INTEGER,
    error               TEXT,
    duration_ms         INTEGER NOT NULL
) STRICT;

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
