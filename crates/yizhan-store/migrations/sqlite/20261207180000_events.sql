-- The event log: one row per state change, written in the transaction of the change
-- (docs/events.md). `id` orders rows as they are written; `pos` is the public, gap-free-in-
-- commit-order position that streams and webhooks resume from, given to committed rows by the
-- publisher (one transaction at a time), so a reader that has seen position p never later finds
-- a committed event below p.

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pos         INTEGER,                  -- NULL until published
    kind        TEXT NOT NULL,            -- message.delivered, recipient.outcome, ...
    message_id  TEXT,                     -- NULL for callbacks not tied to a message
    channel     TEXT NOT NULL,
    api_key     TEXT,                     -- the API key of the message (scopes readers)
    at_ms       INTEGER NOT NULL,
    data        TEXT NOT NULL             -- the event's JSON data object
) STRICT;

CREATE UNIQUE INDEX events_pos ON events (pos) WHERE pos IS NOT NULL;
CREATE INDEX events_unpublished ON events (id) WHERE pos IS NULL;
CREATE INDEX events_message ON events (message_id, id);
