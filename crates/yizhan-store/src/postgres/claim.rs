//! Claims on PostgreSQL: the statements [`crate::sql::claim`] runs. Rows another instance's
//! transaction holds are skipped rather than waited for (`FOR UPDATE SKIP LOCKED`), so
//! concurrent claimers split the due work between them and never get the same dispatch.

use std::sync::LazyLock;

use tokio::sync::MutexGuard;

use super::PgStore;
use crate::StoreError;

crate::sql::claim::claim!(PgStore, sqlx::Postgres);

impl PgStore {
    /// The claim transaction: a plain one (row locks order claimers, there is no gate).
    async fn begin_claim(
        &self,
    ) -> Result<(Option<MutexGuard<'_, ()>>, sqlx::Transaction<'static, sqlx::Postgres>), StoreError> {
        Ok((None, self.pool.begin().await?))
    }
}

/// Expires what is past its message's `expires_at_ms` (see [`crate::sql::claim`]), skipping
/// rows another transaction holds.
pub(super) const EXPIRE: &str = "UPDATE dispatches SET status = 'expired', lease_owner = NULL, lease_token = NULL, \
       lease_until_ms = NULL, updated_at_ms = $1 \
     WHERE id IN (SELECT d.id FROM dispatches d JOIN messages m ON m.id = d.message_id \
                  WHERE m.expires_at_ms IS NOT NULL AND m.expires_at_ms <= $1 \
                    AND (d.status IN ('pending', 'retrying', 'deferred') \
                         OR (d.status = 'in_flight' AND d.lease_until_ms <= $1 \
                             AND d.id NOT IN (SELECT json_array_elements_text($2::json)::bigint))) \
                  FOR UPDATE OF d SKIP LOCKED) \
     RETURNING message_id";

/// Claims the due dispatches (see [`crate::sql::claim`]): expired leases first, then waiting
/// rows in due order; each half walks its partial index in order and stops at the limit (one
/// OR-ed scan had to sort every due row).
pub(super) static CLAIM: LazyLock<String> = LazyLock::new(|| {
    let upstream = ["msgid", "response_code", "taskid"]
        .map(|h| {
            format!(
                "(SELECT p.{h} FROM dispatches p WHERE p.message_id = d.message_id AND p.seq = d.after_seq) \
                 AS upstream_{h}"
            )
        })
        .join(", ");
    format!(
        "WITH stale AS ( \
           SELECT id FROM dispatches d WHERE status = 'in_flight' AND lease_until_ms <= $3 \
             AND d.id NOT IN (SELECT json_array_elements_text($5::json)::bigint) \
             AND NOT EXISTS (SELECT 1 FROM dispatch_members dm WHERE dm.member_id = d.id) \
           ORDER BY lease_until_ms, id LIMIT $4 FOR UPDATE SKIP LOCKED), \
         waiting AS ( \
           SELECT id FROM dispatches d \
           WHERE status IN ('pending', 'retrying', 'deferred') AND next_attempt_at_ms <= $3 \
             AND (d.after_seq IS NULL OR EXISTS (SELECT 1 FROM dispatches p \
                  WHERE p.message_id = d.message_id AND p.seq = d.after_seq AND p.status = 'delivered')) \
             AND NOT EXISTS (SELECT 1 FROM dispatch_members dm WHERE dm.member_id = d.id) \
           ORDER BY next_attempt_at_ms, id LIMIT $4 FOR UPDATE SKIP LOCKED), \
         due AS (SELECT id FROM stale UNION ALL SELECT id FROM waiting LIMIT $4) \
         UPDATE dispatches d SET status = 'in_flight', lease_owner = $1, \
           lease_token = replace(gen_random_uuid()::text, '-', ''), lease_until_ms = $2, \
           claimed_at_ms = $3, updated_at_ms = $3 \
         FROM due, messages m WHERE d.id = due.id AND m.id = d.message_id \
         RETURNING d.id, d.message_id, d.seq, d.endpoint, coalesce(d.merged_body, d.body) AS body, \
           d.dedupe_id, coalesce(d.merged_recipients, d.recipients) AS recipients, d.attempts, \
           CASE WHEN d.merged_body IS NULL AND d.attempts = 0 THEN d.coalesce_key END AS coalesce_key, \
           d.merged_body IS NOT NULL AS merged, d.dup_key, d.dup_window_ms, d.dup_suppress, \
           d.dup_until_ms IS NULL AS dup_fresh, d.lease_token, m.channel, m.created_at_ms, m.expires_at_ms, \
           d.resend_safe, d.after_seq IS NOT NULL AS has_upstream, {upstream}"
    )
});
