-- Retention of the event log (docs/events.md, "Retention"): old published events are found by
-- time, and an event's pending deliveries by its position, without reading the whole tables.

CREATE INDEX webhook_deliveries_pos ON webhook_deliveries (event_pos);
CREATE INDEX events_at ON events (at_ms) WHERE pos IS NOT NULL;
