//! Coalescing, the merge itself, written once: several dispatches with the same `coalesce_key`
//! share one provider call.
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
//!   keeps its own recipients' outcomes; see [`crate::sql::coalesce`]).
//!
//! Members' recipient lists are disjoint from each other and from the leader's
//! ([`crate::sql::coalesce::fits`]), so every recipient gets the message exactly as often as
//! without coalescing. Only dispatches that are claimable (their `after_seq` predecessor
//! delivered), never attempted and not merged yet are merged, so a body the provider may have
//! seen is never replaced by another.
//!
//! What each backend supplies: `begin_coalesce()` (SQLite: the writer's gate and `BEGIN
//! IMMEDIATE`), `also_lock` (PostgreSQL: the worker's other claims are locked `FOR UPDATE SKIP
//! LOCKED`) and `lock_chosen(tx, ids, key)`, which locks the waiting rows chosen from a plain
//! read and returns those still mergeable (PostgreSQL: `SKIP LOCKED`, conditions re-checked
//! under the lock, so a row another instance is claiming or merging is never taken, and rows
//! another instance took drop out and the next round looks further; SQLite: all of them, since
//! the write lock is held from the start and nothing changed).

/// Waiting dispatches of one key looked at per merge (per round).
pub(crate) const CANDIDATES: i64 = 5000;
/// Rounds of choosing and locking waiting dispatches per merge, when other instances took
/// some of the chosen ones first.
pub(crate) const LOCK_ROUNDS: usize = 3;

/// `waiting_keys` and `coalesce` on `$store` (`$db`); see the module docs.
macro_rules! merge {
    ($store:ident, $db:ty, $dialect:ident, also_lock = $also_lock:literal) => {
        impl $store {
            /// See [`crate::Store::waiting_keys`].
            pub(crate) async fn waiting_keys(
                &self,
                keys: &[String],
                now_ms: i64,
            ) -> Result<std::collections::HashSet<String>, $crate::StoreError> {
                let keys = serde_json::to_string(keys)
                    .map_err(|e| $crate::StoreError::Invalid(format!("coalesce keys: {e}")))?;
                Ok(sqlx::query_scalar(concat!(
                    "SELECT DISTINCT coalesce_key FROM dispatches WHERE coalesce_key IN (",
                    $crate::sql::json_list!($dialect, text, "$1"),
                    ") AND status IN ",
                    $crate::sql::waiting!(),
                    " AND next_attempt_at_ms <= $2 AND attempts = 0 AND merged_body IS NULL"
                ))
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
                leader: &$crate::ClaimToken,
                also: &[$crate::ClaimToken],
                key: &str,
                max_recipients: usize,
                now_ms: i64,
                build: F,
            ) -> Result<Option<$crate::Coalesced>, $crate::StoreError>
            where
                F: FnOnce(&[String]) -> Option<$crate::MergedCall> + Send,
            {
                use sqlx::Row as _;
                use $crate::sql::coalesce::{Member, fits, parse_recipients, take};
                // Most claims have nobody to merge with: one read answers that without a write
                // transaction (beside the writer, under WAL, on SQLite).
                if also.is_empty() && self.waiting_keys(&[key.to_owned()], now_ms).await?.is_empty() {
                    return Ok(None);
                }
                let (gate, mut tx) = self.begin_coalesce().await?;
                super::status::check_lease(&mut tx, leader).await?;
                let row =
                    sqlx::query("SELECT recipients, merged_body IS NULL AS unmerged FROM dispatches WHERE id = $1")
                        .bind(leader.dispatch_id)
                        .fetch_one(&mut *tx)
                        .await?;
                if !row.try_get::<bool, _>("unmerged")? {
                    return Ok(None);
                }
                let mut recipients = parse_recipients(&row.try_get::<String, _>("recipients")?)?;
                let mut seen: std::collections::HashSet<String> = recipients.iter().cloned().collect();
                let mut members: Vec<Member> = Vec::new();
                // The claims in `also` first: held by this worker (and, on PostgreSQL, locked
                // unless another transaction, a lease takeover, holds them).
                for claim in also.iter().filter(|c| c.dispatch_id != leader.dispatch_id) {
                    let row = sqlx::query(concat!(
                        "SELECT id, message_id, recipients FROM dispatches d WHERE id = $1 AND status = 'in_flight' \
                           AND lease_token = $2 AND coalesce_key = $3 AND attempts = 0 AND merged_body IS NULL \
                           AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id) ",
                        $also_lock
                    ))
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
                // Then waiting ones: chosen from a plain read, then locked (`lock_chosen`).
                let mut excluded = vec![leader.dispatch_id];
                excluded.extend(members.iter().map(|m| m.id));
                for _ in 0..$crate::sql::merge::LOCK_ROUNDS {
                    if seen.len() >= max_recipients {
                        break;
                    }
                    let excluded_json = serde_json::to_string(&excluded)
                        .map_err(|e| $crate::StoreError::Invalid(format!("dispatch ids: {e}")))?;
                    let rows = sqlx::query(concat!(
                        "SELECT id, message_id, recipients FROM dispatches d \
                         WHERE coalesce_key = $1 AND status IN ",
                        $crate::sql::waiting!(),
                        " AND next_attempt_at_ms <= $2 AND attempts = 0 AND merged_body IS NULL \
                           AND id NOT IN (",
                        $crate::sql::json_list!($dialect, int, "$3"),
                        ") AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id) \
                           AND (d.after_seq IS NULL OR EXISTS (SELECT 1 FROM dispatches p \
                                WHERE p.message_id = d.message_id AND p.seq = d.after_seq AND p.status = 'delivered')) \
                         ORDER BY id LIMIT $4"
                    ))
                    .bind(key)
                    .bind(now_ms)
                    .bind(excluded_json)
                    .bind($crate::sql::merge::CANDIDATES)
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
                    let locked = super::coalesce::lock_chosen(&mut tx, &ids, key).await?;
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
                let Some($crate::MergedCall { body, resend_safe }) = build(&recipients) else { return Ok(None) };
                let merged_recipients = serde_json::to_string(&recipients)
                    .map_err(|e| $crate::StoreError::Invalid(format!("recipients: {e}")))?;
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
                let ids_json = serde_json::to_string(&ids)
                    .map_err(|e| $crate::StoreError::Invalid(format!("dispatch ids: {e}")))?;
                sqlx::query(concat!(
                    "UPDATE dispatches SET status = 'in_flight', lease_owner = NULL, lease_token = NULL, \
                       lease_until_ms = NULL, claimed_at_ms = $1, updated_at_ms = $1 WHERE id IN (",
                    $crate::sql::json_list!($dialect, int, "$2"),
                    ")"
                ))
                .bind(now_ms)
                .bind(&ids_json)
                .execute(&mut *tx)
                .await?;
                sqlx::query(concat!(
                    "INSERT INTO dispatch_members (member_id, leader_id) SELECT id, $2 FROM dispatches WHERE id IN (",
                    $crate::sql::json_list!($dialect, int, "$1"),
                    ")"
                ))
                .bind(&ids_json)
                .bind(leader.dispatch_id)
                .execute(&mut *tx)
                .await?;
                let touched: std::collections::BTreeMap<String, Option<i64>> =
                    members.iter().map(|m| (m.message_id.clone(), Some(now_ms))).collect();
                super::status::refresh_all(&mut tx, &touched).await?;
                tx.commit().await?;
                drop(gate);
                Ok(Some($crate::Coalesced { members: ids, recipients, body, resend_safe }))
            }
        }
    };
}
pub(crate) use merge;
