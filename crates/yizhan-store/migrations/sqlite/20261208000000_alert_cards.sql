-- One WeCom template card per alert group and channel (docs/alerts.md, "Card lifecycle"):
-- which message is the group's card, the response_code that may update it, the group's state,
-- who acknowledged it and its silence. `due_at_ms` says when the card needs work (an update to
-- queue, a silence to create); `revision` makes every write a compare-and-set.

CREATE TABLE alert_cards (
    card_key             TEXT PRIMARY KEY,      -- 32 hex: the group id and the channel, hashed
    channel              TEXT NOT NULL,
    route                TEXT NOT NULL,
    group_key            TEXT NOT NULL,
    api_key              TEXT,                  -- the key the first notification came with
    generation           INTEGER NOT NULL,      -- 1 for the first card; +1 for each card that continues it
    task_id              TEXT NOT NULL,         -- the current card's task_id
    message_id           TEXT NOT NULL,         -- the current card's message
    previous_message_id  TEXT,                  -- the card it continues
    card_sent_at_ms      INTEGER NOT NULL,      -- when the current card was accepted (72 h rule)
    send_code_used       INTEGER NOT NULL DEFAULT 0,  -- the send's response_code was used
    response_code        TEXT,                  -- the latest unused code of a click
    response_code_at_ms  INTEGER,
    state                TEXT NOT NULL,         -- firing | resolved
    acknowledged_by      TEXT,
    silence_id           TEXT,
    silence_ends_at_ms   INTEGER,
    data                 TEXT NOT NULL,         -- the rest, JSON (the binary's, see intake::cards)
    due_at_ms            INTEGER,               -- NULL: nothing to do
    lease_until_ms       INTEGER,
    revision             INTEGER NOT NULL,
    created_at_ms        INTEGER NOT NULL,
    updated_at_ms        INTEGER NOT NULL
) STRICT;

CREATE INDEX alert_cards_due ON alert_cards (due_at_ms) WHERE due_at_ms IS NOT NULL;
