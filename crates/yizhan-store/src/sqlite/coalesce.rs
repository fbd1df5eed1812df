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

use std::collections::{BTreeSet, HashSet};

use sqlx::{Row, Sqlite, Transaction};

use super::SqliteStore;
use super::order::{end_orphans, insert_attempt};
use super::status::check_lease;
use super::status::refresh;
use crate::{ClaimToken, Coalesced, DispatchResult, MergedCall, RecipientOutcome, StoreError};

/// Waiting dispatches of one key looked at per merge.
const CANDIDATES: i64 = 5000;

/// A member of a merged call.
pub(super) struct Member {
    id: i64,
    message_id: String,
    recipients: Vec<String>,
}

impl SqliteStore {
    /// See [`crate::Store::waiting_keys`].
    pub async fn waiting_keys(&self, keys: &[String], now_ms: i64) -> Result<HashSet<String>, StoreError> {
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
    pub async fn coalesce<F>(
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
            let theirs = parse_recipients(&row.try_get::<String, _>("recipients")?)?;
            // Only disjoint recipient lists merge: a recipient already in the call would get the
            // message once instead of once per message, which is not what was asked for.
            let distinct: HashSet<&String> = theirs.iter().collect();
            if distinct.iter().any(|r| seen.contains(*r)) || seen.len() + distinct.len() > max_recipients {
                continue;
            }
            for r in &theirs {
                if seen.insert(r.clone()) {
                    recipients.push(r.clone());
                }
            }
            members.push(Member { id: row.try_get("id")?, message_id: row.try_get("message_id")?, recipients: theirs });
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

/// The members riding with dispatch `leader` (none for an ordinary dispatch).
pub(super) async fn members(tx: &mut Transaction<'static, Sqlite>, leader: i64) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.id, d.message_id, d.recipients FROM dispatch_members m JOIN dispatches d ON d.id = m.member_id \
         WHERE m.leader_id = ?1 ORDER BY d.id",
    )
    .bind(leader)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                id: r.try_get("id")?,
                message_id: r.try_get("message_id")?,
                recipients: parse_recipients(&r.try_get::<String, _>("recipients")?)?,
            })
        })
        .collect()
}

/// The outcomes that belong to the leader itself: all of them, unless it carries members, then
/// those of its own recipients.
pub(super) async fn own_outcomes<'a>(
    tx: &mut Transaction<'static, Sqlite>,
    leader: i64,
    members: &[Member],
    outcomes: &'a [RecipientOutcome],
) -> Result<Vec<&'a RecipientOutcome>, StoreError> {
    if members.is_empty() {
        return Ok(outcomes.iter().collect());
    }
    let own: String =
        sqlx::query_scalar("SELECT recipients FROM dispatches WHERE id = ?1").bind(leader).fetch_one(&mut **tx).await?;
    let own: HashSet<String> = parse_recipients(&own)?.into_iter().collect();
    Ok(outcomes.iter().filter(|o| own.contains(&o.recipient)).collect())
}

/// Completes every member of `leader` like the leader was just completed with `result`;
/// returns the messages touched, whose status the caller must refresh.
pub(super) async fn complete_members(
    tx: &mut Transaction<'static, Sqlite>,
    leader: i64,
    members: &[Member],
    result: &DispatchResult,
    label: &str,
    now_ms: i64,
) -> Result<BTreeSet<String>, StoreError> {
    if members.is_empty() {
        return Ok(BTreeSet::new());
    }
    let (counted, error, outcomes) = match result {
        DispatchResult::Delivered { outcomes, .. } => (true, None, outcomes.as_slice()),
        DispatchResult::Retry { counts_attempt, error, .. } => (*counts_attempt, Some(error), &[][..]),
        DispatchResult::Dead { error, outcomes } => (true, Some(error), outcomes.as_slice()),
    };
    let mut messages = BTreeSet::new();
    for m in members {
        sqlx::query(
            "UPDATE dispatches SET (status, attempts, next_attempt_at_ms, msgid, response_code, taskid) = \
               (SELECT status, attempts, next_attempt_at_ms, msgid, response_code, taskid FROM dispatches \
                WHERE id = ?1), claimed_at_ms = NULL, updated_at_ms = ?2 WHERE id = ?3",
        )
        .bind(leader)
        .bind(now_ms)
        .bind(m.id)
        .execute(&mut **tx)
        .await?;
        let number: i64 =
            sqlx::query_scalar("SELECT coalesce(max(number), 0) + 1 FROM attempts WHERE dispatch_id = ?1")
                .bind(m.id)
                .fetch_one(&mut **tx)
                .await?;
        insert_attempt(tx, m.id, number, now_ms, None, label, counted, error).await?;
        let theirs: HashSet<&String> = m.recipients.iter().collect();
        for o in outcomes.iter().filter(|o| theirs.contains(&o.recipient)) {
            sqlx::query(
                "INSERT INTO recipient_outcomes (dispatch_id, recipient, outcome, detail, at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dispatch_id, recipient) \
                 DO UPDATE SET outcome = excluded.outcome, detail = excluded.detail, at_ms = excluded.at_ms",
            )
            .bind(m.id)
            .bind(&o.recipient)
            .bind(&o.outcome)
            .bind(&o.detail)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
        }
        messages.insert(m.message_id.clone());
    }
    if matches!(result, DispatchResult::Dead { .. }) {
        for id in messages.clone() {
            messages.extend(end_orphans(tx, Some(&id), now_ms).await?);
        }
    }
    Ok(messages)
}

/// After `leader` was released unsent, its members take its status again.
pub(super) async fn mirror_release(tx: &mut Transaction<'static, Sqlite>, leader: i64) -> Result<(), StoreError> {
    let messages: Vec<String> = sqlx::query_scalar(
        "UPDATE dispatches SET status = (SELECT status FROM dispatches WHERE id = ?1), claimed_at_ms = NULL \
         WHERE id IN (SELECT member_id FROM dispatch_members WHERE leader_id = ?1) RETURNING message_id",
    )
    .bind(leader)
    .fetch_all(&mut **tx)
    .await?;
    let messages: HashSet<String> = messages.into_iter().collect();
    for id in &messages {
        refresh(tx, id, None).await?;
    }
    Ok(())
}

fn parse_recipients(json: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("recipients: {e}")))
}
