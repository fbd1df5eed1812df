-- Ordered dispatches: a dispatch with after_seq = s is not claimable until the dispatch of the
-- same message with seq s is delivered; if that one ends dead / cancelled / expired, the waiting
-- one ends the same way without being sent.

ALTER TABLE dispatches ADD COLUMN after_seq INTEGER;

CREATE INDEX dispatches_ordered ON dispatches (message_id, after_seq) WHERE after_seq IS NOT NULL;
