//! The worker's side on PostgreSQL: claim due dispatches with `FOR UPDATE SKIP LOCKED` under a
//! lease, or release them unsent (completing them is group-committed, see [`super::complete`]).

use std::collections::BTreeSet;

use super::order::end_orphans;
use super::status::{check_lease, refresh};
use super::{PgStore, notify_due};
use crate::{ClaimToken, ClaimedDispatch, StoreError};

impl PgStore {
    /// Claims up to `limit` due dispatches for `worker` until `now_ms + lease_ms`.
    ///
    /// Same meaning as [`crate::SqliteStore::claim_due`]. Rows locked by another instance's
    /// claim are skipped rather than waited for, so concurrent claimers split the due work
    /// between them and never get the same dispatch. Dispatches in `sending` (the caller's own
    /// sends in flight) are neither taken over nor expired, whatever their lease says.
    pub(crate) async fn claim_due(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        sending: &[i64],
    ) -> Result<Vec<ClaimedDispatch>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let mut touched: BTreeSet<String> = sqlx::query_scalar(
            "UPDATE dispatches SET status = 'expired', lease_owner = NULL, lease_token = NULL, \
               lease_until_ms = NULL, updated_at_ms = $1 \
             WHERE id IN (SELECT d.id FROM dispatches d JOIN messages m ON m.id = d.message_id \
                          WHERE m.expires_at_ms IS NOT NULL AND m.expires_at_ms <= $1 \
                            AND (d.status IN ('pending', 'retrying', 'deferred') \
                                 OR (d.status = 'in_flight' AND d.lease_until_ms <= $1 \
                                     AND d.id <> ALL($2))) \
                          FOR UPDATE OF d SKIP LOCKED) \
             RETURNING message_id",
        )
        .bind(now_ms)
        .bind(sending)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        touched.extend(end_orphans(&mut tx, None, now_ms).await?);
        let lease_until = now_ms.saturating_add(lease_ms);
        // Expired leases first, then waiting rows in due order; each half walks its partial
        // index in order and stops at the limit (one OR-ed scan had to sort every due row).
        // Coalesced members are never claimed (their leader is); an ordered dispatch waits for
        // its predecessor to be delivered.
        let rows = sqlx::query(
            "WITH stale AS ( \
               SELECT id FROM dispatches d WHERE status = 'in_flight' AND lease_until_ms <= $3 \
                 AND d.id <> ALL($5) AND NOT EXISTS (SELECT 1 FROM dispatch_members dm WHERE dm.member_id = d.id) \
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
               d.merged_body IS NOT NULL AS merged, d.dup_key, d.dup_suppress, \
               d.dup_until_ms IS NULL AS dup_fresh, d.lease_token, m.channel, m.created_at_ms, m.expires_at_ms, \
               d.resend_safe, d.after_seq IS NOT NULL AS has_upstream, \
               (SELECT p.msgid FROM dispatches p WHERE p.message_id = d.message_id AND p.seq = d.after_seq) AS upstream_msgid, \
               (SELECT p.response_code FROM dispatches p WHERE p.message_id = d.message_id AND p.seq = d.after_seq) AS upstream_response_code, \
               (SELECT p.taskid FROM dispatches p WHERE p.message_id = d.message_id AND p.seq = d.after_seq) AS upstream_taskid",

        )
        .bind(worker)
        .bind(lease_until)
        .bind(now_ms)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(sending)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        let mut guarded = Vec::new();
        for r in rows {
            let (dispatch, guard) = crate::rows::claimed_dispatch(&r, lease_until)?;
            touched.insert(dispatch.message_id.to_string());
            if let Some(key) = guard {
                guarded.push((claimed.len(), key));
            }
            claimed.push(dispatch);
        }
        super::repeat::guard(&mut tx, &mut claimed, guarded, now_ms).await?;
        // Sorted (BTreeSet): every claimer locks message rows in the same order.
        for id in &touched {
            refresh(&mut tx, id, Some(now_ms)).await?;
        }
        tx.commit().await?;
        claimed.sort_by_key(|c| c.claim.dispatch_id);
        Ok(claimed)
    }

    /// Gives a claimed dispatch back unsent: due again at once, no attempt counted or recorded.
    pub(crate) async fn release(&self, claim: &ClaimToken) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (message_id, _) = check_lease(&mut tx, claim).await?;
        sqlx::query(
            "UPDATE dispatches SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
               lease_owner = NULL, lease_token = NULL, lease_until_ms = NULL, claimed_at_ms = NULL \
             WHERE id = $1",
        )
        .bind(claim.dispatch_id)
        .execute(&mut *tx)
        .await?;
        let mut touched = super::coalesce::mirror_release(&mut tx, claim.dispatch_id).await?;
        touched.insert(message_id);
        for id in &touched {
            refresh(&mut tx, id, None).await?;
        }
        notify_due(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
