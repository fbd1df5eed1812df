-- The event log: one row per state change, written in the transaction of the change
-- (docs/events.md). `id` orders rows as they are written; `pos` is the public, gap-free-in-
-- commit-order position that streams and webhooks resume from, given to committed rows by the
-- publisher (one transaction at a time, under an advisory lock), so a reader that has seen
-- position p never later finds a committed event below p (ids of concurrent transactions
-- commit out of order; positions do not).

CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    pos         BIGINT,
    kind        TEXT NOT NULL,
    message_id  TEXT,
    channel     TEXT NOT NULL,
    api_key     TEXT,
    at_ms       BIGINT NOT NULL,
    data        TEXT NOT NULL
);

CREATE UNIQUE INDEX events_pos ON events (pos) WHERE pos IS NOT NULL;
CREATE INDEX events_unpublished ON events (id) WHERE pos IS NULL;
CREATE INDEX events_message ON events (message_id, id);
