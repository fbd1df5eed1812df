//! Group commit of completions: the writer task ([`super::writer`]) records the results of many
//! dispatches in one transaction, the same one as the accepts that queued beside them.
//!
//! [`crate::Store::complete`] sends its result over the writer's channel and waits on a oneshot
//! that is answered only after COMMIT, so an attempt's result is durable before the worker
//! considers the dispatch done. Results that queue up while a group is being synced form the
//! next group (no linger timer: an idle gateway pays no extra latency).
//!
//! Within a group the leases of all completions are read in one statement and each is taken by
//! the first result for it (so a second result for the same claim in the same group is a
//! `Conflict`, as before). Plain results update their dispatches in one statement; coalesced
//! leaders and dead results are recorded one by one. The attempt rows and
//! recipient outcomes of the whole group are inserted with a few multi-row statements and each
//! touched message's status is derived once, at the end.
//!
//! A lost lease fails only its own completion. Any other error rolls the group back and each
//! completion is then retried in a transaction of its own, so one bad result fails alone.

use std::collections::HashMap;

use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use tokio::sync::Mutex;

use super::order::end_orphans;
use super::status::refresh_all;
use crate::record::parse_id;
pub(crate) use crate::sql::complete::CompleteJob;
use crate::sql::complete::{AttemptRow, Completed, Rows, outcome_of};
use crate::{ClaimToken, DispatchResult, DispatchStatus, StoreError};

crate::sql::complete::complete!(sqlx::Sqlite);

/// The most completions written in one group.
pub(crate) const MAX_GROUP: usize = 512;

/// Writes `group` in one transaction of its own and answers every job (one by one if the
/// group as a whole fails).
pub(crate) async fn write_group(pool: &SqlitePool, gate: &Mutex<()>, group: Vec<CompleteJob>) {
    crate::sql::group::commit(group, &Writer { pool, gate }).await;
}

/// The writer's pool and gate, writing completion groups.
struct Writer<'p> {
    pool: &'p SqlitePool,
    gate: &'p Mutex<()>,
}

impl crate::sql::group::WriteGroup<CompleteJob> for Writer<'_> {
    fn write<'a>(
        &'a self,
        jobs: &'a [CompleteJob],
    ) -> impl std::future::Future<Output = Result<Vec<Completed>, StoreError>> + Send + 'a {
        write(self.pool, self.gate, jobs)
    }
}

/// Writes every job in one transaction; one result per job (a lost lease fails only its job).
async fn write(pool: &SqlitePool, gate: &Mutex<()>, jobs: &[CompleteJob]) -> Result<Vec<Completed>, StoreError> {
    let _gate = gate.lock().await;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let out = write_in(&mut tx, jobs).await?;
    tx.commit().await?;
    Ok(out)
}

/// Writes every job inside `tx`; one result per job (a lost lease fails only its job).
///
/// The leases of the whole group are read in one statement, and the plain results (no coalesced
/// members, not dead) update their dispatches in one statement; the rest
/// are recorded one by one ([`record`]).
pub(crate) async fn write_in(
    tx: &mut Transaction<'static, Sqlite>,
    jobs: &[CompleteJob],
) -> Result<Vec<Completed>, StoreError> {
    let (mut leases, owners) = leases(tx, jobs).await?;
    let mut rows = Rows::default();
    let mut plain = Vec::new();
    let mut out = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let lease = match held(&mut leases, &job.claim) {
            Ok(lease) => lease,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        if let Some(owner) = owners.get(&index) {
            out.push(Ok(Some(parse_id(owner)?)));
            continue;
        }
        if lease.has_members || matches!(job.result, DispatchResult::Dead { .. }) {
            record(tx, job, lease, &mut rows).await?;
        } else {
            plain.push(queue(job, lease, &mut rows));
        }
        out.push(Ok(None));
    }
    update_plain(tx, plain).await?;
    flush(tx, &rows).await?;
    refresh_all(tx, &rows.touched).await?;
    Ok(out)
}

/// A dispatch's status and lease token as read, and what completing it needs.
type Held = (String, Option<String>, Lease);

/// The leases of the group's dispatches by id, read in one statement (`None`: already used by
/// an earlier result of this group), and, by job index, the message that already holds the msgid
/// of a delivery that must hold it alone ([`CompleteJob::msgid_to_check`]).
async fn leases(
    tx: &mut Transaction<'static, Sqlite>,
    jobs: &[CompleteJob],
) -> Result<(HashMap<i64, Option<Held>>, HashMap<usize, String>), StoreError> {
    let asked: Vec<(i64, Option<&str>)> = jobs.iter().map(|j| (j.claim.dispatch_id, j.msgid_to_check())).collect();
    let asked = serde_json::to_string(&asked).map_err(|e| StoreError::Invalid(format!("dispatch ids: {e}")))?;
    let rows = sqlx::query(
        "SELECT j.key AS job, d.id, d.message_id, d.status, d.lease_token, d.claimed_at_ms, \
           (SELECT coalesce(max(number), 0) + 1 FROM attempts a WHERE a.dispatch_id = d.id) AS number, \
           EXISTS (SELECT 1 FROM dispatch_members m WHERE m.leader_id = d.id) AS has_members, \
           (SELECT o.message_id FROM dispatches o WHERE o.msgid = json_extract(j.value, '$[1]') \
              AND o.message_id <> d.message_id LIMIT 1) AS msgid_owner \
         FROM json_each(?1) AS j JOIN dispatches d ON d.id = json_extract(j.value, '$[0]')",
    )
    .bind(asked)
    .fetch_all(&mut **tx)
    .await?;
    let mut leases = HashMap::with_capacity(rows.len());
    let mut owners = HashMap::new();
    for row in rows {
        if let Some(owner) = row.try_get::<Option<String>, _>("msgid_owner")? {
            owners.insert(usize::try_from(row.try_get::<i64, _>("job")?).unwrap_or(usize::MAX), owner);
        }
        let lease = Lease {
            message_id: row.try_get("message_id")?,
            claimed_at_ms: row.try_get("claimed_at_ms")?,
            number: row.try_get("number")?,
            has_members: row.try_get("has_members")?,
        };
        leases.insert(row.try_get("id")?, Some((row.try_get("status")?, row.try_get("lease_token")?, lease)));
    }
    Ok((leases, owners))
}

/// The lease of `claim` if it still holds its dispatch (`NotFound` or `Conflict` otherwise);
/// taking it makes a second result for the same claim in this group a `Conflict`.
fn held(leases: &mut HashMap<i64, Option<Held>>, claim: &ClaimToken) -> Result<Lease, StoreError> {
    let id = claim.dispatch_id;
    let conflict =
        |status: &str| StoreError::Conflict(format!("dispatch {id} is no longer held by this claim (status {status})"));
    let slot = leases.get_mut(&id).ok_or(StoreError::NotFound)?;
    match slot.take() {
        None => Err(conflict("completed earlier in this group")),
        Some((status, token, lease)) => {
            if status == DispatchStatus::InFlight.as_str() && token.as_deref() == Some(claim.token.as_str()) {
                Ok(lease)
            } else {
                let error = conflict(&status);
                *slot = Some((status, token, lease));
                Err(error)
            }
        }
    }
}

/// Queues the attempt row, outcomes and status refresh of a plain result; returns its
/// dispatch update for [`update_plain`].
fn queue(job: &CompleteJob, lease: Lease, rows: &mut Rows) -> serde_json::Value {
    let (id, now_ms) = (job.claim.dispatch_id, job.now_ms);
    let (status, counted, label, next_at, error) = outcome_of(&job.result);
    rows.attempts.push(AttemptRow::new(id, lease.number, lease.claimed_at_ms, now_ms, label, counted, error));
    let handles = match &job.result {
        DispatchResult::Delivered { handles, outcomes } => {
            rows.outcomes.extend(outcomes.iter().map(|o| (id, o.clone(), now_ms)));
            Some(handles)
        }
        _ => None,
    };
    rows.touched.insert(lease.message_id, Some(now_ms));
    serde_json::json!([
        id,
        status.as_str(),
        i64::from(counted),
        next_at,
        now_ms,
        handles.is_some(),
        handles.and_then(|h| h.msgid.as_deref()),
        handles.and_then(|h| h.response_code.as_deref()),
        handles.and_then(|h| h.taskid.as_deref()),
    ])
}

/// Updates every plain result's dispatch in one statement.
async fn update_plain(tx: &mut Transaction<'static, Sqlite>, plain: Vec<serde_json::Value>) -> Result<(), StoreError> {
    if plain.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE dispatches SET status = json_extract(j.value, '$[1]'), \
           attempts = attempts + json_extract(j.value, '$[2]'), \
           next_attempt_at_ms = coalesce(json_extract(j.value, '$[3]'), next_attempt_at_ms), lease_owner = NULL, \
           lease_token = NULL, lease_until_ms = NULL, claimed_at_ms = NULL, \
           updated_at_ms = json_extract(j.value, '$[4]'), \
           msgid = CASE WHEN json_extract(j.value, '$[5]') THEN json_extract(j.value, '$[6]') ELSE msgid END, \
           response_code = CASE WHEN json_extract(j.value, '$[5]') THEN json_extract(j.value, '$[7]') \
                           ELSE response_code END, \
           taskid = CASE WHEN json_extract(j.value, '$[5]') THEN json_extract(j.value, '$[8]') ELSE taskid END \
         FROM json_each(?1) AS j WHERE dispatches.id = json_extract(j.value, '$[0]')",
    )
    .bind(serde_json::Value::Array(plain).to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What completing needs to know about a held dispatch, read in one statement.
struct Lease {
    message_id: String,
    claimed_at_ms: Option<i64>,
    /// The number the next attempt row gets.
    number: i64,
    has_members: bool,
}

/// Updates the dispatch (and its members) now; queues its attempt row and outcomes in `rows`.
async fn record(
    tx: &mut Transaction<'static, Sqlite>,
    job: &CompleteJob,
    lease: Lease,
    rows: &mut Rows,
) -> Result<(), StoreError> {
    let (id, now_ms) = (job.claim.dispatch_id, job.now_ms);
    let (_, counted, label, _, error) = outcome_of(&job.result);
    update_dispatch(tx, id, &job.result, now_ms).await?;
    let sticky = match (&job.result, error) {
        (DispatchResult::Dead { .. }, Some(e)) if !e.ambiguous => {
            crate::status::still_unknown(e, earlier_ambiguous(tx, id).await?)
        }
        _ => None,
    };
    rows.attempts.push(AttemptRow::new(
        id,
        lease.number,
        lease.claimed_at_ms,
        now_ms,
        label,
        counted,
        sticky.as_ref().or(error),
    ));
    let members = if lease.has_members { super::coalesce::members(tx, id).await? } else { Vec::new() };
    let outcomes = match &job.result {
        DispatchResult::Delivered { outcomes, .. } => outcomes.as_slice(),
        DispatchResult::Dead { outcomes, .. } => outcomes.as_slice(),
        DispatchResult::Retry { .. } => &[],
    };
    let own = super::coalesce::own_outcomes(tx, id, &members, outcomes).await?;
    rows.outcomes.extend(own.into_iter().map(|o| (id, o.clone(), now_ms)));
    let others = super::coalesce::complete_members(tx, id, &members, &job.result, label, now_ms).await?;
    let mut touched = others;
    if matches!(job.result, DispatchResult::Dead { .. }) {
        touched.extend(end_orphans(tx, Some(&lease.message_id), now_ms).await?);
    }
    touched.insert(lease.message_id);
    for m in touched {
        rows.touched.insert(m, Some(now_ms));
    }
    Ok(())
}

#[cfg(test)]
#[path = "complete_tests.rs"]
mod tests;
