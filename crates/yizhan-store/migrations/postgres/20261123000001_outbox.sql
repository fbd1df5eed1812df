-- The outbox on PostgreSQL: the same tables, columns and meaning as migrations/sqlite/, with
-- PostgreSQL types. Times are epoch milliseconds (BIGINT). Status strings mirror
-- MessageStatus/DispatchStatus. Keep both schemas in step: every SQLite migration gets a
-- PostgreSQL twin with the same version number.

CREATE TABLE messages (
    id               TEXT COLLATE "C" PRIMARY KEY NOT NULL, -- UUIDv7, hyphenated; byte order
    channel          TEXT NOT NULL,
    api_key          TEXT,
    idem_key         TEXT,
    idem_body_sha256 TEXT,
    request          TEXT NOT NULL,               -- the API request as accepted (JSON)
    status           TEXT NOT NULL,
    scheduled        BOOLEAN NOT NULL DEFAULT FALSE, -- send_at was in the future at accept
    send_at_ms       BIGINT NOT NULL,
    expires_at_ms    BIGINT,
    created_at_ms    BIGINT NOT NULL,
    updated_at_ms    BIGINT NOT NULL
);

-- Idempotency keys are scoped by API key; a NULL api_key is its own scope. Accepts use this
-- index as their ON CONFLICT target, so concurrent accepts with one key store one message.
CREATE UNIQUE INDEX messages_idempotency
    ON messages ((coalesce(api_key, '')), idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX messages_created ON messages (created_at_ms, id);
CREATE INDEX messages_status_created ON messages (status, created_at_ms, id);
CREATE INDEX messages_channel_created ON messages (channel, created_at_ms, id);
CREATE INDEX messages_expiring ON messages (expires_at_ms) WHERE expires_at_ms IS NOT NULL;

CREATE TABLE dispatches (
    id                 BIGSERIAL PRIMARY KEY,
    message_id         TEXT COLLATE "C" NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq                BIGINT NOT NULL,
    endpoint           TEXT NOT NULL,
    body               BYTEA NOT NULL,            -- the exact provider request body
    dedupe_id          TEXT,
    recipients         TEXT NOT NULL,             -- JSON array of strings
    status             TEXT NOT NULL,
    attempts           BIGINT NOT NULL DEFAULT 0, -- counted attempts
    next_attempt_at_ms BIGINT NOT NULL,
    lease_owner        TEXT,
    lease_token        TEXT,
    lease_until_ms     BIGINT,
    claimed_at_ms      BIGINT,
    msgid              TEXT,
    response_code      TEXT,
    taskid             TEXT,
    updated_at_ms      BIGINT NOT NULL,
    UNIQUE (message_id, seq)
);

-- Claims scan only waiting and leased rows, in due order.
CREATE INDEX dispatches_due ON dispatches (next_attempt_at_ms, id)
    WHERE status IN ('pending', 'retrying', 'deferred');
CREATE INDEX dispatches_lease ON dispatches (lease_until_ms) WHERE status = 'in_flight';

CREATE TABLE attempts (
    dispatch_id   BIGINT NOT NULL REFERENCES dispatches (id) ON DELETE CASCADE,
    number        BIGINT NOT NULL,
    at_ms         BIGINT NOT NULL,
    duration_ms   BIGINT,
    result        TEXT NOT NULL,                  -- delivered | retry | deferred | dead
    counted       BOOLEAN NOT NULL,
    error_kind    TEXT,
    error_code    BIGINT,
    error_message TEXT,
    ambiguous     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (dispatch_id, number)
);

CREATE TABLE recipient_outcomes (
    dispatch_id BIGINT NOT NULL REFERENCES dispatches (id) ON DELETE CASCADE,
    recipient   TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT,
    at_ms       BIGINT NOT NULL,
    PRIMARY KEY (dispatch_id, recipient)
);
