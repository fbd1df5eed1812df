-- The outbox: messages, their dispatches (one provider call each), attempts, per-recipient
-- outcomes. Times are epoch milliseconds. Status strings mirror MessageStatus/DispatchStatus.

CREATE TABLE messages (
    id               TEXT PRIMARY KEY NOT NULL,   -- UUIDv7, hyphenated
    channel          TEXT NOT NULL,
    api_key          TEXT,
    idem_key         TEXT,
    idem_body_sha256 TEXT,
    request          TEXT NOT NULL,               -- the API request as accepted (JSON)
    status           TEXT NOT NULL,
    scheduled        INTEGER NOT NULL DEFAULT 0,  -- send_at was in the future at accept
    send_at_ms       INTEGER NOT NULL,
    expires_at_ms    INTEGER,
    created_at_ms    INTEGER NOT NULL,
    updated_at_ms    INTEGER NOT NULL
) STRICT;

-- Idempotency keys are scoped by API key; a NULL api_key is its own scope.
CREATE UNIQUE INDEX messages_idempotency
    ON messages (coalesce(api_key, ''), idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX messages_created ON messages (created_at_ms, id);
CREATE INDEX messages_status_created ON messages (status, created_at_ms, id);
CREATE INDEX messages_channel_created ON messages (channel, created_at_ms, id);
CREATE INDEX messages_expiring ON messages (expires_at_ms) WHERE expires_at_ms IS NOT NULL;

CREATE TABLE dispatches (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id         TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq                INTEGER NOT NULL,
    endpoint           TEXT NOT NULL,
    body               BLOB NOT NULL,             -- the exact provider request body
    dedupe_id          TEXT,
    recipients         TEXT NOT NULL,             -- JSON array of strings
    status             TEXT NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0, -- counted attempts
    next_attempt_at_ms INTEGER NOT NULL,
    lease_owner        TEXT,
    lease_token        TEXT,
    lease_until_ms     INTEGER,
    claimed_at_ms      INTEGER,
    msgid              TEXT,
    response_code      TEXT,
    taskid             TEXT,
    updated_at_ms      INTEGER NOT NULL,
    UNIQUE (message_id, seq)
) STRICT;

CREATE INDEX dispatches_due ON dispatches (status, next_attempt_at_ms);
CREATE INDEX dispatches_lease ON dispatches (status, lease_until_ms) WHERE status = 'in_flight';

CREATE TABLE attempts (
    dispatch_id   INTEGER NOT NULL REFERENCES dispatches (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,
    at_ms         INTEGER NOT NULL,
    duration_ms   INTEGER,
    result        TEXT NOT NULL,                  -- delivered | retry | deferred | dead
    counted       INTEGER NOT NULL,
    error_kind    TEXT,
    error_code    INTEGER,
    error_message TEXT,
    ambiguous     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dispatch_id, number)
) STRICT;

CREATE TABLE recipient_outcomes (
    dispatch_id INTEGER NOT NULL REFERENCES dispatches (id) ON DELETE CASCADE,
    recipient   TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (dispatch_id, recipient)
) STRICT;
