-- Provider dedupe windows (twin of the SQLite migration; docs/gateway.md, "Repeated messages"):
-- a body the provider drops when an identical one was sent within its window (WeCom
-- enable_duplicate_check) carries its identity, so the first claim of another dispatch with the
-- same body inside that window is told, and a provider answer that repeats another dispatch's
-- msgid can be recognised.

ALTER TABLE dispatches ADD COLUMN dup_key TEXT;                               -- identity of the body (SHA-256 hex)
ALTER TABLE dispatches ADD COLUMN dup_window_ms BIGINT;                       -- how long the provider remembers it
ALTER TABLE dispatches ADD COLUMN dup_suppress BOOLEAN NOT NULL DEFAULT FALSE; -- the caller asked for dedupe
ALTER TABLE dispatches ADD COLUMN dup_until_ms BIGINT;                        -- first claim + window, once claimed

CREATE INDEX dispatches_dup ON dispatches (dup_key, dup_until_ms) WHERE dup_key IS NOT NULL;
CREATE INDEX dispatches_msgid ON dispatches (msgid) WHERE msgid IS NOT NULL;
