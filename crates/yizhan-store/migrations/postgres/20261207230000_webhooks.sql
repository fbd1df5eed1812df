-- Webhook subscriptions and their durable delivery queues (docs/events.md, "Webhooks").
--
-- `webhooks.after_pos` is the subscription's cursor in the event log: every published event
-- with a position up to it has been considered, and a delivery row queued for each that
-- matches. Moving the cursor and queuing the rows happen in one transaction, conditional on the
-- cursor not having moved meanwhile, so several instances feed a subscription without loss or
-- duplicates. Deliveries are claimed under a lease like dispatches; a delivery waits while an
-- earlier delivery of the same subscription about the same message is unfinished (ordered per
-- message). Every attempt is kept in `webhook_attempts`.

CREATE TABLE webhooks (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    url                 TEXT NOT NULL,
    event_types         TEXT NOT NULL,
    channels            TEXT NOT NULL,
    secret              TEXT NOT NULL,
    allow_private_urls  BOOLEAN NOT NULL,
    source              TEXT NOT NULL,
    api_key             TEXT,
    after_pos           BIGINT NOT NULL,
    created_at_ms       BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id                  BIGSERIAL PRIMARY KEY,
    webhook_id          TEXT NOT NULL,
    event_pos           BIGINT NOT NULL,
    message_id          TEXT,
    status              TEXT NOT NULL,
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms  BIGINT NOT NULL,
    lease_token         TEXT,
    lease_until_ms      BIGINT,
    last_status_code    INTEGER,
    last_error          TEXT,
    created_at_ms       BIGINT NOT NULL,
    updated_at_ms       BIGINT NOT NULL
);

CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_pos);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at_ms);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, message_id, event_pos);

CREATE TABLE webhook_attempts (
    id                  BIGSERIAL PRIMARY KEY,
    delivery_id         BIGINT NOT NULL,
    at_ms               BIGINT NOT NULL,
    status_code         INTEGER,
    error               TEXT,
    duration_ms         BIGINT NOT NULL
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
