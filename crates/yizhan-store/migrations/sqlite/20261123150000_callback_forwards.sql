-- Callback forwards: a decrypted provider callback waiting to be POSTed to the channel's
-- forward_url, retried with back-off until delivered or given up (dead).

CREATE TABLE callback_forwards (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    channel            TEXT NOT NULL,
    url                TEXT NOT NULL,
    body               BLOB NOT NULL,             -- the exact JSON body to POST
    status             TEXT NOT NULL,             -- pending | in_flight | delivered | dead
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    lease_token        TEXT,
    lease_until_ms     INTEGER,
    last_error         TEXT,
    created_at_ms      INTEGER NOT NULL,
    updated_at_ms      INTEGER NOT NULL
) STRICT;

CREATE INDEX callback_forwards_due ON callback_forwards (status, next_attempt_at_ms);
