//! Coalescing on PostgreSQL: several dispatches with the same `coalesce_key` share one provider
//! call (the twin of `sqlite/coalesce.rs`, which explains the leader/member model).
//!
//! Locking: the leader is locked by its lease check, and the claims in `also` with
//! `FOR UPDATE SKIP LOCKED`. Waiting candidates are chosen from a plain read and then only the
//! chosen rows are locked, again with `SKIP LOCKED` and the conditions re-checked under the lock,
//! so a row another instance is claiming or merging is never taken, and two instances merging
//! one key do not lock each other out of rows neither merges. Message rows are locked last, in
//! sorted order, for the status refresh.

use std::collections::{BTreeSet, HashSet};

use sqlx::{Postgres, Row, Transaction};

use super::PgStore;
use super::order::{end_orphans, insert_attempt};
use super::status::check_lease;
use super::status::refresh;
use crate::{ClaimToken, Coalesced, DispatchResult, MergedCall, RecipientOutcome, StoreError};

/// Waiting dispatches of one key looked at per merge (per round).
const CANDIDATES: i64 = 5000;
/// Rounds of choosing and locking waiting dispatches per merge, when other instances took
/// some of the chosen ones first.
const LOCK_ROUNDS: usize = 3;

/// A member of a merged call.
pub(super) struct Member {
    id: i64,
    message_id: String,
    recipients: Vec<String>,
}

impl Member {
    fn from_row(r: &sqlx::postgres::PgRow) -> Result<Member, StoreError> {
        Ok(Member {
            id: r.try_get("id")?,
            message_id: r.try_get("message_id")?,
            recipients: parse_recipients(&r.try_get::<String, _>("recipients")?)?,
        })
    }
}

/// Whether `candidate` may join a call to `seen`: only disjoint recipient lists merge (a
/// recipient already in the call would get the message once instead of once per message), and
/// the call stays within `max_recipients`.
fn fits(seen: &HashSet<String>, candidate: &Member, max_recipients: usize) -> bool {
    let distinct: HashSet<&String> = candidate.recipients.iter().collect();
    !distinct.iter().any(|r| seen.contains(*r)) && seen.len() + distinct.len() <= max_recipients
}

/// Adds `member`'s recipients to the call.
fn take(seen: &mut HashSet<String>, recipients: &mut Vec<String>, member: &Member) {
    for r in &member.recipients {
        if seen.insert(r.clone()) {
            recipients.push(r.clone());
        }
    }
}

impl PgStore {
    /// See [`crate::Store::waiting_keys`].
    pub async fn waiting_keys(&self, keys: &[String], now_ms: i64) -> Result<HashSet<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT coalesce_key FROM dispatches \
             WHERE coalesce_key = ANY($1) AND status IN ('pending', 'retrying', 'deferred') \
               AND next_attempt_at_ms <= $2 AND attempts = 0 AND merged_body IS NULL",
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
        // Most claims have nobody to merge with: one read answers that without a transaction.
        if also.is_empty() && self.waiting_keys(&[key.to_owned()], now_ms).await?.is_empty() {
            return Ok(None);
        }
        let mut tx = self.pool.begin().await?;
        check_lease(&mut tx, leader).await?;
        let row = sqlx::query("SELECT recipients, merged_body IS NULL AS unmerged FROM dispatches WHERE id = $1")
            .bind(leader.dispatch_id)
            .fetch_one(&mut *tx)
            .await?;
        if !row.try_get::<bool, _>("unmerged")? {
            return Ok(None);
        }
        let mut recipients = parse_recipients(&row.try_get::<String, _>("recipients")?)?;
        let mut seen: HashSet<String> = recipients.iter().cloned().collect();
        let mut members = Vec::new();
        // The claims in `also` first: held by this worker, locked unless another transaction
        // (a lease takeover) holds them.
        for claim in also.iter().filter(|c| c.dispatch_id != leader.dispatch_id) {
            let row = sqlx::query(
                "SELECT id, message_id, recipients FROM dispatches d WHERE id = $1 AND status = 'in_flight' \
                   AND lease_token = $2 AND coalesce_key = $3 AND attempts = 0 AND merged_body IS NULL \
                   AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id) \
                 FOR UPDATE SKIP LOCKED",
            )
            .bind(claim.dispatch_id)
            .bind(&claim.token)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(candidate) = row.map(|r| Member::from_row(&r)).transpose()? {
                if seen.len() >= max_recipients {
                    break;
                }
                if fits(&seen, &candidate, max_recipients) {
                    take(&mut seen, &mut recipients, &candidate);
                    members.push(candidate);
                }
            }
        }
        // Then waiting ones: chosen from a plain read, then only the chosen rows are locked
        // (`SKIP LOCKED`); rows another instance took meanwhile drop out and the next round
        // looks further, so two instances merging one key share the waiting rows.
        let mut excluded = vec![leader.dispatch_id];
        excluded.extend(members.iter().map(|m| m.id));
        for _ in 0..LOCK_ROUNDS {
            if seen.len() >= max_recipients {
                break;
            }
            let rows = sqlx::query(
                "SELECT id, message_id, recipients FROM dispatches d \
                 WHERE coalesce_key = $1 AND status IN ('pending', 'retrying', 'deferred') \
                   AND next_attempt_at_ms <= $2 AND attempts = 0 AND merged_body IS NULL AND id <> ALL($3) \
                   AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id) \
                   AND (d.after_seq IS NULL OR EXISTS (SELECT 1 FROM dispatches p \
                        WHERE p.message_id = d.message_id AND p.seq = d.after_seq AND p.status = 'delivered')) \
                 ORDER BY id LIMIT $4",
            )
            .bind(key)
            .bind(now_ms)
            .bind(&excluded)
            .bind(CANDIDATES)
            .fetch_all(&mut *tx)
            .await?;
            let mut trial = seen.clone();
            let mut chosen = Vec::new();
            for row in rows {
                if trial.len() >= max_recipients {
                    break;
                }
                let candidate = Member::from_row(&row)?;
                if fits(&trial, &candidate, max_recipients) {
                    trial.extend(candidate.recipients.iter().cloned());
                    chosen.push(candidate);
                }
            }
            if chosen.is_empty() {
                break;
            }
            let ids: Vec<i64> = chosen.iter().map(|m| m.id).collect();
            let locked: HashSet<i64> = sqlx::query_scalar(
                "SELECT id FROM dispatches d WHERE id = ANY($1) AND coalesce_key = $2 \
                   AND status IN ('pending', 'retrying', 'deferred') AND attempts = 0 AND merged_body IS NULL \
                   AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id) \
                 ORDER BY id FOR UPDATE SKIP LOCKED",
            )
            .bind(&ids)
            .bind(key)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
            excluded.extend(&ids);
            let complete = locked.len() == ids.len();
            for candidate in chosen.into_iter().filter(|m| locked.contains(&m.id)) {
                take(&mut seen, &mut recipients, &candidate);
                members.push(candidate);
            }
            if complete {
                break;
            }
        }
        if members.is_empty() {
            return Ok(None);
        }
        let Some(MergedCall { body, resend_safe }) = build(&recipients) else { return Ok(None) };
        let merged_recipients =
            serde_json::to_string(&recipients).map_err(|e| StoreError::Invalid(format!("recipients: {e}")))?;
        sqlx::query(
            "UPDATE dispatches SET merged_body = $1, merged_recipients = $2, updated_at_ms = $3, \
               dup_key = NULL, resend_safe = $5 WHERE id = $4",
        )
        .bind(body.as_slice())
        .bind(merged_recipients)
        .bind(now_ms)
        .bind(leader.dispatch_id)
        .bind(resend_safe)
        .execute(&mut *tx)
        .await?;
        let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
        sqlx::query(
            "UPDATE dispatches SET status = 'in_flight', lease_owner = NULL, lease_token = NULL, \
               lease_until_ms = NULL, claimed_at_ms = $1, updated_at_ms = $1 WHERE id = ANY($2)",
        )
        .bind(now_ms)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO dispatch_members (member_id, leader_id) SELECT unnest($1::bigint[]), $2")
            .bind(&ids)
            .bind(leader.dispatch_id)
            .execute(&mut *tx)
            .await?;
        let messages: BTreeSet<String> = members.iter().map(|m| m.message_id.clone()).collect();
        for id in &messages {
            refresh(&mut tx, id, Some(now_ms)).await?;
        }
        tx.commit().await?;
        Ok(Some(Coalesced { members: members.iter().map(|m| m.id).collect(), recipients, body, resend_safe }))
    }
}

/// The members riding with dispatch `leader` (none for an ordinary dispatch), their rows locked
/// in id order.
pub(super) async fn members(tx: &mut Transaction<'static, Postgres>, leader: i64) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.id, d.message_id, d.recipients FROM dispatch_members m JOIN dispatches d ON d.id = m.member_id \
         WHERE m.leader_id = $1 ORDER BY d.id FOR UPDATE OF d",
    )
    .bind(leader)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(Member::from_row).collect()
}

/// The outcomes that belong to the leader itself: all of them, unless it carries members, then
/// those of its own recipients.
pub(super) async fn own_outcomes<'a>(
    tx: &mut Transaction<'static, Postgres>,
    leader: i64,
    members: &[Member],
    outcomes: &'a [RecipientOutcome],
) -> Result<Vec<&'a RecipientOutcome>, StoreError> {
    if members.is_empty() {
        return Ok(outcomes.iter().collect());
    }
    let own: String =
        sqlx::query_scalar("SELECT recipients FROM dispatches WHERE id = $1").bind(leader).fetch_one(&mut **tx).await?;
    let own: HashSet<String> = parse_recipients(&own)?.into_iter().collect();
    Ok(outcomes.iter().filter(|o| own.contains(&o.recipient)).collect())
}

/// Completes every member of `leader` like the leader was just completed with `result`.
/// Returns the ids of the messages touched; the caller refreshes them (message rows last).
pub(super) async fn complete_members(
    tx: &mut Transaction<'static, Postgres>,
    leader: i64,
    members: &[Member],
    result: &DispatchResult,
    label: &str,
    now_ms: i64,
) -> Result<BTreeSet<String>, StoreError> {
    let mut messages = BTreeSet::new();
    if members.is_empty() {
        return Ok(messages);
    }
    let (counted, error, outcomes) = match result {
        DispatchResult::Delivered { outcomes, .. } => (true, None, outcomes.as_slice()),
        DispatchResult::Retry { counts_attempt, error, .. } => (*counts_attempt, Some(error), &[][..]),
        DispatchResult::Dead { error, outcomes } => (true, Some(error), outcomes.as_slice()),
    };
    for m in members {
        sqlx::query(
            "UPDATE dispatches SET (status, attempts, next_attempt_at_ms, msgid, response_code, taskid) = \
               (SELECT status, attempts, next_attempt_at_ms, msgid, response_code, taskid FROM dispatches \
                WHERE id = $1), claimed_at_ms = NULL, updated_at_ms = $2 WHERE id = $3",
        )
        .bind(leader)
        .bind(now_ms)
        .bind(m.id)
        .execute(&mut **tx)
        .await?;
        let number: i64 =
            sqlx::query_scalar("SELECT coalesce(max(number), 0) + 1 FROM attempts WHERE dispatch_id = $1")
                .bind(m.id)
                .fetch_one(&mut **tx)
                .await?;
        insert_attempt(tx, m.id, number, now_ms, None, label, counted, error).await?;
        let theirs: HashSet<&String> = m.recipients.iter().collect();
        for o in outcomes.iter().filter(|o| theirs.contains(&o.recipient)) {
            sqlx::query(
                "INSERT INTO recipient_outcomes (dispatch_id, recipient, outcome, detail, at_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dispatch_id, recipient) \
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

/// After `leader` was released unsent, its members take its status again. Returns the ids of
/// the members' messages; the caller refreshes them.
pub(super) async fn mirror_release(
    tx: &mut Transaction<'static, Postgres>,
    leader: i64,
) -> Result<BTreeSet<String>, StoreError> {
    let messages: Vec<String> = sqlx::query_scalar(
        "UPDATE dispatches SET status = (SELECT status FROM dispatches WHERE id = $1), claimed_at_ms = NULL \
         WHERE id IN (SELECT member_id FROM dispatch_members WHERE leader_id = $1) RETURNING message_id",
    )
    .bind(leader)
    .fetch_all(&mut **tx)
    .await?;
    Ok(messages.into_iter().collect())
}

fn parse_recipients(json: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("recipients: {e}")))
}
