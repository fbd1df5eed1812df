//! Operator actions on whole messages: cancel, retry, mark recalled, and the status counts.

use std::collections::BTreeMap;

use sqlx::{Row, Sqlite, Transaction};
use yizhan_core::MessageId;

use super::{SqliteStore, status::refresh};
use crate::{CancelOutcome, MessageStatus, StoreError};

impl SqliteStore {
    /// Cancels a message if nothing of it was sent or is being sent.
    ///
    /// "Sent" is judged conservatively: any dispatch that is not `pending`, that has an attempt
    /// on record, or that takes part in a merged call (coalescing), counts. Cancelling a cancelled message answers `Cancelled` again.
    pub async fn cancel(&self, id: MessageId, now_ms: i64) -> Result<CancelOutcome, StoreError> {
        let id = id.to_string();
        let mut tx = self.begin_write().await?;
        let status = current_status(&mut tx, &id).await?;
        if status == MessageStatus::Cancelled {
            return Ok(CancelOutcome::Cancelled);
        }
        let started: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM dispatches d WHERE d.message_id = ?1 \
               AND (d.status <> 'pending' OR d.attempts > 0 OR d.merged_body IS NOT NULL \
                    OR EXISTS (SELECT 1 FROM attempts a WHERE a.dispatch_id = d.id) \
                    OR EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id))",
        )
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
        if started > 0 || status.is_final() {
            return Ok(CancelOutcome::AlreadySent(status));
        }
        sqlx::query("UPDATE dispatches SET status = 'cancelled', updated_at_ms = ?1 WHERE message_id = ?2")
            .bind(now_ms)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        set_status(&mut tx, &id, MessageStatus::Cancelled, now_ms).await?;
        tx.commit().await?;
        Ok(CancelOutcome::Cancelled)
    }

    /// Replays a `dead` (or `partially_delivered`) message: its dead dispatches become `pending`
    /// again, due at `now_ms`, with their attempt budget reset and their bodies unchanged.
    /// Returns `false` if there was nothing dead to replay.
    pub async fn retry(&self, id: MessageId, now_ms: i64) -> Result<bool, StoreError> {
        let id = id.to_string();
        let mut tx = self.begin_write().await?;
        let status = current_status(&mut tx, &id).await?;
        if !matches!(status, MessageStatus::Dead | MessageStatus::PartiallyDelivered) {
            return Ok(false);
        }
        // A replayed dispatch goes alone with its own body: it leaves any merged call it was in
        // (a dead merged call is dead for all its members; each replays by itself).
        sqlx::query(
            "DELETE FROM dispatch_members WHERE member_id IN (SELECT id FROM dispatches \
               WHERE message_id = ?1 AND status = 'dead') \
             OR leader_id IN (SELECT id FROM dispatches WHERE message_id = ?1 AND status = 'dead')",
        )
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let reset = sqlx::query(
            "UPDATE dispatches SET status = 'pending', attempts = 0, next_attempt_at_ms = ?1, \
               lease_owner = NULL, lease_token = NULL, lease_until_ms = NULL, updated_at_ms = ?1, \
               merged_body = NULL, merged_recipients = NULL, coalesce_key = NULL, dup_until_ms = NULL \
             WHERE message_id = ?2 AND status = 'dead'",
        )
        .bind(now_ms)
        .bind(&id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if reset == 0 {
            return Ok(false);
        }
        refresh(&mut tx, &id, Some(now_ms)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records that a delivered message was recalled or revoked at the provider.
    ///
    /// `Conflict` unless the message is `delivered` or `partially_delivered` (or already recalled).
    pub async fn mark_recalled(&self, id: MessageId, now_ms: i64) -> Result<(), StoreError> {
        let id = id.to_string();
        let mut tx = self.begin_write().await?;
        match current_status(&mut tx, &id).await? {
            MessageStatus::Recalled => return Ok(()),
            MessageStatus::Delivered | MessageStatus::PartiallyDelivered => {}
            other => return Err(StoreError::Conflict(format!("cannot recall a message that is {other}"))),
        }
        set_status(&mut tx, &id, MessageStatus::Recalled, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the store answers and holds the outbox schema: one indexed read, however many
    /// messages are stored.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1 FROM messages LIMIT 1").fetch_optional(&self.pool).await?;
        Ok(())
    }

    /// The number of messages in each status (every status present, zero included).
    pub async fn counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut out: BTreeMap<String, i64> = MessageStatus::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
        let rows =
            sqlx::query("SELECT status, count(*) AS n FROM messages GROUP BY status").fetch_all(&self.pool).await?;
        for r in rows {
            out.insert(r.try_get("status")?, r.try_get("n")?);
        }
        Ok(out)
    }
}

async fn current_status(tx: &mut Transaction<'static, Sqlite>, id: &str) -> Result<MessageStatus, StoreError> {
    let status: String = sqlx::query_scalar("SELECT status FROM messages WHERE id = ?1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    status.parse()
}

async fn set_status(
    tx: &mut Transaction<'static, Sqlite>,
    id: &str,
    status: MessageStatus,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE messages SET status = ?1, updated_at_ms = ?2 WHERE id = ?3")
        .bind(status.as_str())
        .bind(now_ms)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
