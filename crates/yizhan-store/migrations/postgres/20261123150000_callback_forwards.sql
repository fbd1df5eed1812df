-- Callback forwards (twin of the SQLite migration): a decrypted provider callback waiting to be
-- POSTed to the channel's forward_url, retried with back-off until delivered or given up (dead).

CREATE TABLE callback_forwards (
    id                 BIGSERIAL PRIMARY KEY,
    channel            TEXT NOT NULL,
    url                TEXT NOT NULL,
    body               BYTEA NOT NULL,            -- the exact JSON body to POST
    status             TEXT NOT NULL,             -- pending | in_flight | delivered | dead
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    lease_token        TEXT,
    lease_until_ms     BIGINT,
    last_error         TEXT,
    created_at_ms      BIGINT NOT NULL,
    updated_at_ms      BIGINT NOT NULL
);

-- Claims scan only waiting and leased rows, in due order.
CREATE INDEX callback_forwards_due ON callback_forwards (next_attempt_at_ms, id) WHERE status = 'pending';
CREATE INDEX callback_forwards_lease ON callback_forwards (lease_until_ms) WHERE status = 'in_flight';
