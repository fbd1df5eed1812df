//! Claims on SQLite: the statements [`crate::sql::claim`] runs, and the claim transaction, which
//! queues at the writer's gate and commits on the claim connection (`synchronous = NORMAL`: a
//! claim lost to a power loss only makes its dispatch due again, as an expired lease would).

use std::sync::LazyLock;

use tokio::sync::MutexGuard;

use super::SqliteStore;
use crate::StoreError;

crate::sql::claim::claim!(SqliteStore, sqlx::Sqlite);

impl SqliteStore {
    /// The claim transaction: the gate first (so it queues behind the writer here, not in
    /// SQLite's busy handler), then `BEGIN IMMEDIATE` on the claim connection.
    async fn begin_claim(&self) -> Result<(MutexGuard<'_, ()>, sqlx::Transaction<'static, sqlx::Sqlite>), StoreError> {
        let gate = self.gate.lock().await;
        Ok((gate, self.claim_pool.begin_with("BEGIN IMMEDIATE").await?))
    }
}

/// Expires what is past its message's `expires_at_ms` (see [`crate::sql::claim`]).
pub(super) const EXPIRE: &str = "UPDATE dispatches SET status = 'expired', lease_owner = NULL, lease_token = NULL, \
       lease_until_ms = NULL, updated_at_ms = ?1 \
     WHERE (status IN ('pending', 'retrying', 'deferred') \
            OR (status = 'in_flight' AND lease_until_ms <= ?1 \
                AND id NOT IN (SELECT value FROM json_each(?2)))) \
       AND message_id IN (SELECT id FROM messages \
                          WHERE expires_at_ms IS NOT NULL AND expires_at_ms <= ?1) \
     RETURNING message_id";

/// Claims the due dispatches: `?1` worker, `?2` lease end, `?3` now, `?4` limit, `?5` the ids
/// (JSON array) the caller is still sending, never taken over.
///
/// Each waiting status (and expired leases) is its own branch, read in the order of its index
/// (`dispatches_due`, `dispatches_lease`) and cut at the limit, and only the branches' heads are
/// sorted, so a claim reads about `limit` rows per status however long the backlog is (one
/// `status IN (…) OR …` query sorted every due row: ~8 ms per claim at 18 000 pending).
pub(super) static CLAIM: LazyLock<String> = LazyLock::new(|| {
    let eligible = "(d.after_seq IS NULL OR EXISTS (SELECT 1 FROM dispatches p \
             WHERE p.message_id = d.message_id AND p.seq = d.after_seq AND p.status = 'delivered')) \
           AND NOT EXISTS (SELECT 1 FROM dispatch_members dm WHERE dm.member_id = d.id)";
    let branch = |due: &str| {
        format!(
            "SELECT * FROM (SELECT d.id, d.next_attempt_at_ms AS due FROM dispatches d \
                 WHERE {due} AND {eligible} ORDER BY d.next_attempt_at_ms, d.id LIMIT ?4)"
        )
    };
    let branches = [
        branch("d.status = 'pending' AND d.next_attempt_at_ms <= ?3"),
        branch("d.status = 'retrying' AND d.next_attempt_at_ms <= ?3"),
        branch("d.status = 'deferred' AND d.next_attempt_at_ms <= ?3"),
        branch("d.status = 'in_flight' AND d.lease_until_ms <= ?3 AND d.id NOT IN (SELECT value FROM json_each(?5))"),
    ]
    .join(" UNION ALL ");
    let upstream = ["msgid", "response_code", "taskid"]
        .map(|h| {
            format!(
                "(SELECT p.{h} FROM dispatches p WHERE p.message_id = dispatches.message_id \
                     AND p.seq = dispatches.after_seq) AS upstream_{h}"
            )
        })
        .join(", ");
    format!(
        "UPDATE dispatches SET status = 'in_flight', lease_owner = ?1, \
               lease_token = lower(hex(randomblob(16))), lease_until_ms = ?2, \
               claimed_at_ms = ?3, updated_at_ms = ?3 \
             WHERE id IN (SELECT id FROM ({branches}) ORDER BY due, id LIMIT ?4) \
             RETURNING id, message_id, seq, endpoint, coalesce(merged_body, body) AS body, dedupe_id, \
               coalesce(merged_recipients, recipients) AS recipients, attempts, \
               CASE WHEN merged_body IS NULL AND attempts = 0 THEN coalesce_key END AS coalesce_key, \
               merged_body IS NOT NULL AS merged, dup_key, dup_window_ms, dup_suppress, dup_until_ms IS NULL AS dup_fresh, \
               lease_token, resend_safe, after_seq IS NOT NULL AS has_upstream, {upstream}, \
               (SELECT channel FROM messages m WHERE m.id = dispatches.message_id) AS channel, \
               (SELECT created_at_ms FROM messages m WHERE m.id = dispatches.message_id) AS created_at_ms, \
               (SELECT expires_at_ms FROM messages m WHERE m.id = dispatches.message_id) AS expires_at_ms"
    )
});
