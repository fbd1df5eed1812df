-- Quota ledger: the ledger is rebuilt at start from recent attempts (Store::sent_since), which
-- reads attempts by time.
CREATE INDEX attempts_at ON attempts (at_ms);
