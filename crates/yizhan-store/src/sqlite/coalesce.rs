//! Coalescing: several dispatches with the same `coalesce_key` share one provider call.
//!
//! The claimed dispatch that starts a merge is the *leader*: it keeps its own body and
//! recipients, and gets `merged_body` and `merged_recipients`, the merged call, written in the
//! same transaction that makes the others its *members* (`dispatch_members`). From then on:
//!
//! * the claim query returns the merged body and recipients for the leader, so every attempt
//!   (a retry, a takeover after a crash) sends the identical persisted body;
//! * members are never claimed themselves; they mirror the leader's status and attempts;
//! * completing the leader completes every member in the same transaction: the same status,
//!   attempt and handles, and the outcomes of the member's own recipients only (the leader
//!   keeps its own recipients' outcomes).
//!
//! Members' recipient lists are disjoint from each other and from the leader's, so every
//! recipient gets the message exactly as often as without coalescing.
//!
//! Only dispatches that are claimable (their `after_seq` predecessor delivered), never attempted
//! (no counted attempt) and not merged yet are merged, so a body the provider may have seen is
//! never replaced by another.

use std::collections::HashSet;

use sqlx::Row;

use super::SqliteStore;
use super::status::check_lease;
use super::status::refresh;
use crate::sql::coalesce::{Member, fits, parse_recipients, take};
use crate::{ClaimToken, Coalesced, MergedCall, StoreError};

/// Waiting dispatches of one key looked at per merge.
const CANDIDATES: i64 = 5000;

impl SqliteStore {
    /// See [`crate::Store::waiting_keys`].
    pub(crate) async fn waiting_keys(&self, keys: &[String], now_ms: i64) -> Result<HashSet<String>, StoreError> {
        let keys = serde_json::to_string(keys).map_err(|e| StoreError::Invalid(format!("coalesce keys: {e}")))?;
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT coalesce_key FROM dispatches \
             WHERE coalesce_key IN (SELECT value FROM json_each(?1)) \
               AND status IN ('pending', 'retrying', 'deferred') AND next_attempt_at_ms <= ?2 \
               AND attempts = 0 AND merged_body IS NULL",
        )
        .bind(keys)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect())
    }

    /// See [`crate::Store::coalesce`].
    pub(crate) async fn coalesce<F>(
        &self,
        leader: &ClaimToken,
        also: &[ClaimToken],
        key: &str,
        max_recipients: usize,
        now_ms: i64,
        build: F,
    ) -> Result<Option<Coalesced>, StoreError>
    where
        F: FnOnce(&[String]) -> Option<MergedCall> + Send,
    {
        // Most claims have nobody to merge with: a read (beside the writer, under WAL) answers
        // that without queueing for the write lock behind accept and completion groups.
        if also.is_empty() && self.waiting_keys(&[key.to_owned()], now_ms).await?.is_empty() {
            return Ok(None);
        }
        let _gate = self.gate.lock().await;
        let mut tx = self.begin_write().await?;
        check_lease(&mut tx, leader).await?;
        let row = sqlx::query("SELECT recipients, merged_body IS NULL AS unmerged FROM dispatches WHERE id = ?1")
            .bind(leader.dispatch_id)
            .fetch_one(&mut *tx)
            .await?;
        if !row.try_get::<bool, _>("unmerged")? {
            return Ok(None);
        }
        let mut recipients = parse_recipients(&row.try_get::<String, _>("recipients")?)?;
        let mut seen: HashSet<String> = recipients.iter().cloned().collect();
        let mut candidates = Vec::new();
        for claim in also.iter().filter(|c| c.dispatch_id != leader.dispatch_id) {
            let row = sqlx::query(
                "SELECT id, message_id, recipients FROM dispatches d WHERE id = ?1 AND status = 'in_flight' \
                   AND lease_token = ?2 AND coalesce_key = ?3 AND attempts = 0 AND merged_body IS NULL \
                   AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id)",
            )
            .bind(claim.dispatch_id)
            .bind(&claim.token)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            candidates.extend(row);
        }
        candidates.extend(
            sqlx::query(
                "SELECT id, message_id, recipients FROM dispatches d \
                 WHERE coalesce_key = ?1 AND status IN ('pending', 'retrying', 'deferred') \
                   AND next_attempt_at_ms <= ?2 AND attempts = 0 AND merged_body IS NULL AND id <> ?3 \
                   AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id) \
                   AND (d.after_seq IS NULL OR EXISTS (SELECT 1 FROM dispatches p \
                        WHERE p.message_id = d.message_id AND p.seq = d.after_seq AND p.status = 'delivered')) \
                 ORDER BY id LIMIT ?4",
            )
            .bind(key)
            .bind(now_ms)
            .bind(leader.dispatch_id)
            .bind(CANDIDATES)
            .fetch_all(&mut *tx)
            .await?,
        );
        let mut members = Vec::new();
        for row in candidates {
            if seen.len() >= max_recipients {
                break;
            }
            let candidate = Member::from_row(&row)?;
            if fits(&seen, &candidate, max_recipients) {
                take(&mut seen, &mut recipients, &candidate);
                members.push(candidate);
            }
        }
        if members.is_empty() {
            return Ok(None);
        }
        let Some(MergedCall { body, resend_safe }) = build(&recipients) else { return Ok(None) };
        let merged_recipients =
            serde_json::to_string(&recipients).map_err(|e| StoreError::Invalid(format!("recipients: {e}")))?;
        sqlx::query(
            "UPDATE dispatches SET merged_body = ?1, merged_recipients = ?2, updated_at_ms = ?3, \
               dup_key = NULL, resend_safe = ?5 WHERE id = ?4",
        )
        .bind(body.as_slice())
        .bind(merged_recipients)
        .bind(now_ms)
        .bind(leader.dispatch_id)
        .bind(resend_safe)
        .execute(&mut *tx)
        .await?;
        let mut messages = HashSet::new();
        for m in &members {
            sqlx::query(
                "UPDATE dispatches SET status = 'in_flight', lease_owner = NULL, lease_token = NULL, \
                   lease_until_ms = NULL, claimed_at_ms = ?1, updated_at_ms = ?1 WHERE id = ?2",
            )
            .bind(now_ms)
            .bind(m.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO dispatch_members (member_id, leader_id) VALUES (?1, ?2)")
                .bind(m.id)
                .bind(leader.dispatch_id)
                .execute(&mut *tx)
                .await?;
            messages.insert(m.message_id.clone());
        }
        for id in &messages {
            refresh(&mut tx, id, Some(now_ms)).await?;
        }
        tx.commit().await?;
        Ok(Some(Coalesced { members: members.iter().map(|m| m.id).collect(), recipients, body, resend_safe }))
    }
}

crate::sql::coalesce::members!(sqlx::Sqlite, lock = "");
