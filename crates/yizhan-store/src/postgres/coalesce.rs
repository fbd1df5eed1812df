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

use sqlx::Row;

use super::PgStore;
use super::status::check_lease;
use super::status::refresh;
use crate::sql::coalesce::{Member, fits, parse_recipients, take};
use crate::{ClaimToken, Coalesced, MergedCall, StoreError};

/// Waiting dispatches of one key looked at per merge (per round).
const CANDIDATES: i64 = 5000;
/// Rounds of choosing and locking waiting dispatches per merge, when other instances took
/// some of the chosen ones first.
const LOCK_ROUNDS: usize = 3;

impl PgStore {
    /// See [`crate::Store::waiting_keys`].
    pub(crate) async fn waiting_keys(&self, keys: &[String], now_ms: i64) -> Result<HashSet<String>, StoreError> {
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

crate::sql::coalesce::members!(sqlx::Postgres, lock = "FOR UPDATE OF d");
