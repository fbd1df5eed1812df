//! The worker's side: claim due dispatches under a lease, complete or release them.

use std::collections::BTreeSet;

use sqlx::{Row, Sqlite, Transaction};

use super::{SqliteStore, status::refresh};
use crate::record::parse_id;
use crate::{AttemptError, ClaimToken, ClaimedDispatch, DispatchResult, DispatchStatus, StoreError};

impl SqliteStore {
    /// Claims up to `limit` due dispatches for `worker` until `now_ms + lease_ms`.
    ///
    /// Due means waiting (`pending`, `retrying`, `deferred`) with `next_attempt_at <= now`, or
    /// `in_flight` with an expired lease (a crashed or stuck worker). Waiting dispatches of a
    /// message whose `expires_at` has passed are marked `expired` instead of being claimed.
    pub async fn claim_due(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedDispatch>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut touched: BTreeSet<String> = sqlx::query_scalar(
            "UPDATE dispatches SET status = 'expired', lease_owner = NULL, lease_token = NULL, \
               lease_until_ms = NULL, updated_at_ms = ?1 \
             WHERE (status IN ('pending', 'retrying', 'deferred') \
                    OR (status = 'in_flight' AND lease_until_ms <= ?1)) \
               AND message_id IN (SELECT id FROM messages \
                                  WHERE expires_at_ms IS NOT NULL AND expires_at_ms <= ?1) \
             RETURNING message_id",
        )
        .bind(now_ms)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let rows = sqlx::query(
            "UPDATE dispatches SET status = 'in_flight', lease_owner = ?1, \
               lease_token = lower(hex(randomblob(16))), lease_until_ms = ?2, \
               claimed_at_ms = ?3, updated_at_ms = ?3 \
             WHERE id IN (SELECT id FROM dispatches \
                          WHERE (status IN ('pending', 'retrying', 'deferred') AND next_attempt_at_ms <= ?3) \
                             OR (status = 'in_flight' AND lease_until_ms <= ?3) \
                          ORDER BY next_attempt_at_ms, id LIMIT ?4) \
             RETURNING id, message_id, seq, endpoint, body, dedupe_id, recipients, attempts, \
               lease_token, (SELECT channel FROM messages m WHERE m.id = dispatches.message_id) AS channel, \
               (SELECT created_at_ms FROM messages m WHERE m.id = dispatches.message_id) AS created_at_ms, \
               (SELECT expires_at_ms FROM messages m WHERE m.id = dispatches.message_id) AS expires_at_ms",
        )
        .bind(worker)
        .bind(now_ms.saturating_add(lease_ms))
        .bind(now_ms)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for r in rows {
            let message_id: String = r.try_get("message_id")?;
            let recipients: String = r.try_get("recipients")?;
            claimed.push(ClaimedDispatch {
                claim: ClaimToken { dispatch_id: r.try_get("id")?, token: r.try_get("lease_token")? },
                message_id: parse_id(&message_id)?,
                channel: r.try_get("channel")?,
                seq: r.try_get("seq")?,
                endpoint: r.try_get("endpoint")?,
                body: r.try_get("body")?,
                dedupe_id: r.try_get("dedupe_id")?,
                recipients: serde_json::from_str(&recipients)
                    .map_err(|e| StoreError::Corrupt(format!("recipients: {e}")))?,
                attempts: r.try_get("attempts")?,
                lease_until_ms: now_ms.saturating_add(lease_ms),
                created_at_ms: r.try_get("created_at_ms")?,
                expires_at_ms: r.try_get("expires_at_ms")?,
            });
            touched.insert(message_id);
        }
        for id in &touched {
            refresh(&mut tx, id, Some(now_ms)).await?;
        }
        tx.commit().await?;
        claimed.sort_by_key(|c| c.claim.dispatch_id);
        Ok(claimed)
    }

    /// Records the result of an attempt, if `claim` still holds the lease (else `Conflict`).
    pub async fn complete(&self, claim: &ClaimToken, result: DispatchResult, now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (message_id, claimed_at_ms) = check_lease(&mut tx, claim).await?;
        let number: i64 =
            sqlx::query_scalar("SELECT coalesce(max(number), 0) + 1 FROM attempts WHERE dispatch_id = ?1")
                .bind(claim.dispatch_id)
                .fetch_one(&mut *tx)
                .await?;
        let (status, counted, label, next_at, error) = match &result {
            DispatchResult::Delivered { .. } => (DispatchStatus::Delivered, true, "delivered", None, None),
            DispatchResult::Retry { at_ms, counts_attempt: true, error } => {
                (DispatchStatus::Retrying, true, "retry", Some(*at_ms), Some(error))
            }
            DispatchResult::Retry { at_ms, counts_attempt: false, error } => {
                (DispatchStatus::Deferred, false, "deferred", Some(*at_ms), Some(error))
            }
            DispatchResult::Dead { error } => (DispatchStatus::Dead, true, "dead", None, Some(error)),
        };
        sqlx::query(
            "UPDATE dispatches SET status = ?1, attempts = attempts + ?2, \
               next_attempt_at_ms = coalesce(?3, next_attempt_at_ms), lease_owner = NULL, \
               lease_token = NULL, lease_until_ms = NULL, claimed_at_ms = NULL, updated_at_ms = ?4 \
             WHERE id = ?5",
        )
        .bind(status.as_str())
        .bind(i64::from(counted))
        .bind(next_at)
        .bind(now_ms)
        .bind(claim.dispatch_id)
        .execute(&mut *tx)
        .await?;
        insert_attempt(&mut tx, claim.dispatch_id, number, now_ms, claimed_at_ms, label, counted, error).await?;
        if let DispatchResult::Delivered { handles, outcomes } = &result {
            sqlx::query("UPDATE dispatches SET msgid = ?1, response_code = ?2, taskid = ?3 WHERE id = ?4")
                .bind(&handles.msgid)
                .bind(&handles.response_code)
                .bind(&handles.taskid)
                .bind(claim.dispatch_id)
                .execute(&mut *tx)
                .await?;
            for o in outcomes {
                sqlx::query(
                    "INSERT INTO recipient_outcomes (dispatch_id, recipient, outcome, detail, at_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dispatch_id, recipient) \
                     DO UPDATE SET outcome = excluded.outcome, detail = excluded.detail, at_ms = excluded.at_ms",
                )
                .bind(claim.dispatch_id)
                .bind(&o.recipient)
                .bind(&o.outcome)
                .bind(&o.detail)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
        }
        refresh(&mut tx, &message_id, Some(now_ms)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a claimed dispatch back unsent: due again at once, no attempt counted or recorded.
    pub async fn release(&self, claim: &ClaimToken) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (message_id, _) = check_lease(&mut tx, claim).await?;
        sqlx::query(
            "UPDATE dispatches SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
               lease_owner = NULL, lease_token = NULL, lease_until_ms = NULL, claimed_at_ms = NULL \
             WHERE id = ?1",
        )
        .bind(claim.dispatch_id)
        .execute(&mut *tx)
        .await?;
        refresh(&mut tx, &message_id, None).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Checks that `claim` still holds its dispatch; returns its message id and claim time.
async fn check_lease(
    tx: &mut Transaction<'static, Sqlite>,
    claim: &ClaimToken,
) -> Result<(String, Option<i64>), StoreError> {
    let row = sqlx::query("SELECT message_id, status, lease_token, claimed_at_ms FROM dispatches WHERE id = ?1")
        .bind(claim.dispatch_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let status: String = row.try_get("status")?;
    let token: Option<String> = row.try_get("lease_token")?;
    if status != DispatchStatus::InFlight.as_str() || token.as_deref() != Some(claim.token.as_str()) {
        return Err(StoreError::Conflict(format!(
            "dispatch {} is no longer held by this claim (status {status})",
            claim.dispatch_id
        )));
    }
    Ok((row.try_get("message_id")?, row.try_get("claimed_at_ms")?))
}

#[allow(clippy::too_many_arguments)]
async fn insert_attempt(
    tx: &mut Transaction<'static, Sqlite>,
    dispatch_id: i64,
    number: i64,
    now_ms: i64,
    claimed_at_ms: Option<i64>,
    result: &str,
    counted: bool,
    error: Option<&AttemptError>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attempts (dispatch_id, number, at_ms, duration_ms, result, counted, \
           error_kind, error_code, error_message, ambiguous) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(dispatch_id)
    .bind(number)
    .bind(now_ms)
    .bind(claimed_at_ms.map(|c| now_ms.saturating_sub(c).max(0)))
    .bind(result)
    .bind(counted)
    .bind(error.map(|e| e.kind.as_str()))
    .bind(error.and_then(|e| e.code))
    .bind(error.map(|e| e.message.as_str()))
    .bind(error.is_some_and(|e| e.ambiguous))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
