-- Coalescing (issue 6): dispatches with identical content and options go out in one provider
-- call. The first of them (the leader) carries the merged call's body and recipients, persisted
-- before it is sent; the others (members) wait, mirror the leader's status, and receive their
-- share of its per-recipient outcomes when it completes.

ALTER TABLE dispatches ADD COLUMN coalesce_key TEXT;       -- same key = may share one provider call
ALTER TABLE dispatches ADD COLUMN merged_body BLOB;        -- leader only: the merged call's exact body
ALTER TABLE dispatches ADD COLUMN merged_recipients TEXT;  -- leader only: JSON array, the merged call's

CREATE INDEX dispatches_coalesce ON dispatches (coalesce_key, status, next_attempt_at_ms)
    WHERE coalesce_key IS NOT NULL;

CREATE TABLE dispatch_members (
    member_id INTEGER PRIMARY KEY NOT NULL REFERENCES dispatches (id) ON DELETE CASCADE,
    leader_id INTEGER NOT NULL REFERENCES dispatches (id) ON DELETE CASCADE
) STRICT;

CREATE INDEX dispatch_members_leader ON dispatch_members (leader_id);
