-- Retention (docs/gateway.md, "Retention"): finished messages and callback forwards are found
-- by age without scanning the ones still waiting. The status lists must stay exactly those of
-- the purge queries (src/purge.rs), or SQLite will not use these partial indexes.

CREATE INDEX messages_finished ON messages (updated_at_ms, id)
    WHERE status IN ('delivered', 'partially_delivered', 'dead', 'suppressed_duplicate', 'cancelled', 'recalled', 'expired');

CREATE INDEX callback_forwards_finished ON callback_forwards (updated_at_ms, id)
    WHERE status IN ('delivered', 'dead');
