-- Ordered dispatches (twin of the SQLite migration): a dispatch with after_seq = s is not
-- claimable until the dispatch of the same message with seq s is delivered; if that one ends
-- dead / cancelled / expired, the waiting one ends the same way without being sent.

ALTER TABLE dispatches ADD COLUMN after_seq BIGINT;

CREATE INDEX dispatches_ordered ON dispatches (message_id, after_seq) WHERE after_seq IS NOT NULL;

-- Every claim looks for waiting ordered dispatches whose predecessor failed (to end them): only
-- the waiting ones are indexed, so the scan does not grow with delivered history.
CREATE INDEX dispatches_ordered_waiting ON dispatches (id)
    WHERE after_seq IS NOT NULL AND status IN ('pending', 'retrying', 'deferred');
