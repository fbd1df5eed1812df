//! Group commit of completions: one task records the results of many dispatches in one
//! transaction, like [`super::writer`] does for accepts.
//!
//! [`SqliteStore::complete`] sends its result over a channel and waits on a oneshot that is
//! answered only after COMMIT, so an attempt's result is durable before the worker considers
//! the dispatch done. Results that queue up while a group is being synced form the next group
//! (no linger timer: an idle gateway pays no extra latency).
//!
//! Within a group every completion checks its lease and updates its dispatch at once (so a
//! second result for the same claim in the same group is a `Conflict`, as before), while the
//! attempt rows and recipient outcomes of the whole group are inserted with a few multi-row
//! statements and each touched message's status is derived once, at the end.
//!
//! A lost lease fails only its own completion. Any other error rolls the group back and each
//! completion is then retried in a transaction of its own, so one bad result fails alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::SqliteStore;
use super::order::{end_orphans, fill_taskid};
use super::status::refresh_many;
use crate::{ClaimToken, DispatchResult, DispatchStatus, RecipientOutcome, StoreError};

/// The most completions written in one group.
const MAX_GROUP: usize = 512;
/// Rows per multi-row INSERT (10 parameters each stays far below SQLite's variable limit).
const ROWS_PER_INSERT: usize = 200;

/// One `complete` call waiting for its commit.
pub(crate) struct CompleteJob {
    pub(crate) claim: ClaimToken,
    pub(crate) result: DispatchResult,
    pub(crate) now_ms: i64,
    pub(crate) reply: oneshot::Sender<Result<(), StoreError>>,
}

impl SqliteStore {
    /// Records the result of an attempt, if `claim` still holds the lease (else `Conflict`);
    /// answers once the group holding it is committed.
    pub async fn complete(&self, claim: &ClaimToken, result: DispatchResult, now_ms: i64) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = CompleteJob { claim: claim.clone(), result, now_ms, reply };
        self.completer.send(job).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// The completion loop; ends when every sender (every `SqliteStore` clone) is gone.
pub(crate) async fn run(pool: SqlitePool, gate: Arc<Mutex<()>>, mut rx: mpsc::Receiver<CompleteJob>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        tracing::trace!(completions = group.len(), "committing a completion group");
        write_group(&pool, &gate, group).await;
    }
}

async fn write_group(pool: &SqlitePool, gate: &Mutex<()>, group: Vec<CompleteJob>) {
    match write(pool, gate, &group).await {
        Ok(results) => {
            for (job, result) in group.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some(job) = group.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, completions = group.len(), "completion group failed; writing one by one");
            for job in group {
                let result = write(pool, gate, std::slice::from_ref(&job))
                    .await
                    .and_then(|mut r| r.pop().unwrap_or(Err(StoreError::Closed)));
                let _ = job.reply.send(result);
            }
        }
    }
}

/// Writes every job in one transaction; one result per job (a lost lease fails only its job).
async fn write(
    pool: &SqlitePool,
    gate: &Mutex<()>,
    jobs: &[CompleteJob],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let _gate = gate.lock().await;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut rows = Rows::default();
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        match lease(&mut tx, &job.claim).await? {
            Ok(lease) => {
                record(&mut tx, job, lease, &mut rows).await?;
                out.push(Ok(()));
            }
            Err(e) => out.push(Err(e)),
        }
    }
    rows.flush(&mut tx).await?;
    refresh_many(&mut tx, &rows.touched).await?;
    tx.commit().await?;
    Ok(out)
}

/// What completing needs to know about a held dispatch, read in one statement.
struct Lease {
    message_id: String,
    claimed_at_ms: Option<i64>,
    /// The number the next attempt row gets.
    number: i64,
    has_members: bool,
}

/// The lease of `claim` if it still holds its dispatch; the inner error is `NotFound` or
/// `Conflict`, the outer one a database failure.
async fn lease(
    tx: &mut Transaction<'static, Sqlite>,
    claim: &ClaimToken,
) -> Result<Result<Lease, StoreError>, StoreError> {
    let row = sqlx::query(
        "SELECT message_id, status, lease_token, claimed_at_ms, \
           (SELECT coalesce(max(number), 0) + 1 FROM attempts a WHERE a.dispatch_id = d.id) AS number, \
           EXISTS (SELECT 1 FROM dispatch_members m WHERE m.leader_id = d.id) AS has_members \
         FROM dispatches d WHERE id = ?1",
    )
    .bind(claim.dispatch_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(Err(StoreError::NotFound)) };
    let status: String = row.try_get("status")?;
    let token: Option<String> = row.try_get("lease_token")?;
    if status != DispatchStatus::InFlight.as_str() || token.as_deref() != Some(claim.token.as_str()) {
        return Ok(Err(StoreError::Conflict(format!(
            "dispatch {} is no longer held by this claim (status {status})",
            claim.dispatch_id
        ))));
    }
    Ok(Ok(Lease {
        message_id: row.try_get("message_id")?,
        claimed_at_ms: row.try_get("claimed_at_ms")?,
        number: row.try_get("number")?,
        has_members: row.try_get("has_members")?,
    }))
}

/// Updates the dispatch (and its members) now; queues its attempt row and outcomes in `rows`.
async fn record(
    tx: &mut Transaction<'static, Sqlite>,
    job: &CompleteJob,
    lease: Lease,
    rows: &mut Rows,
) -> Result<(), StoreError> {
    let (id, now_ms) = (job.claim.dispatch_id, job.now_ms);
    let (status, counted, label, next_at, error) = match &job.result {
        DispatchResult::Delivered { .. } => (DispatchStatus::Delivered, true, "delivered", None, None),
        DispatchResult::Retry { at_ms, counts_attempt: true, error } => {
            (DispatchStatus::Retrying, true, "retry", Some(*at_ms), Some(error))
        }
        DispatchResult::Retry { at_ms, counts_attempt: false, error } => {
            (DispatchStatus::Deferred, false, "deferred", Some(*at_ms), Some(error))
        }
        DispatchResult::Dead { error } => (DispatchStatus::Dead, true, "dead", None, Some(error)),
    };
    let handles = match &job.result {
        DispatchResult::Delivered { handles, .. } => Some(handles),
        _ => None,
    };
    sqlx::query(
        "UPDATE dispatches SET status = ?1, attempts = attempts + ?2, \
           next_attempt_at_ms = coalesce(?3, next_attempt_at_ms), lease_owner = NULL, \
           lease_token = NULL, lease_until_ms = NULL, claimed_at_ms = NULL, updated_at_ms = ?4, \
           msgid = CASE WHEN ?6 THEN ?7 ELSE msgid END, \
           response_code = CASE WHEN ?6 THEN ?8 ELSE response_code END, \
           taskid = CASE WHEN ?6 THEN ?9 ELSE taskid END \
         WHERE id = ?5",
    )
    .bind(status.as_str())
    .bind(i64::from(counted))
    .bind(next_at)
    .bind(now_ms)
    .bind(id)
    .bind(handles.is_some())
    .bind(handles.and_then(|h| h.msgid.as_deref()))
    .bind(handles.and_then(|h| h.response_code.as_deref()))
    .bind(handles.and_then(|h| h.taskid.as_deref()))
    .execute(&mut **tx)
    .await?;
    rows.attempts.push(AttemptRow {
        dispatch_id: id,
        number: lease.number,
        at_ms: now_ms,
        duration_ms: lease.claimed_at_ms.map(|c| now_ms.saturating_sub(c).max(0)),
        result: label,
        counted,
        error_kind: error.map(|e| e.kind.clone()),
        error_code: error.and_then(|e| e.code),
        error_message: error.map(|e| e.message.clone()),
        ambiguous: error.is_some_and(|e| e.ambiguous),
    });
    let members = if lease.has_members { super::coalesce::members(tx, id).await? } else { Vec::new() };
    if let DispatchResult::Delivered { handles, outcomes } = &job.result {
        let own = super::coalesce::own_outcomes(tx, id, &members, outcomes).await?;
        if let Some(taskid) = &handles.taskid {
            fill_taskid(tx, &lease.message_id, taskid).await?;
        }
        rows.outcomes.extend(own.into_iter().map(|o| (id, o.clone(), now_ms)));
    }
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

/// One queued `attempts` row.
struct AttemptRow {
    dispatch_id: i64,
    number: i64,
    at_ms: i64,
    duration_ms: Option<i64>,
    result: &'static str,
    counted: bool,
    error_kind: Option<String>,
    error_code: Option<i64>,
    error_message: Option<String>,
    ambiguous: bool,
}

/// What a group inserts at its end, and the messages whose status it derives then.
#[derive(Default)]
struct Rows {
    attempts: Vec<AttemptRow>,
    outcomes: Vec<(i64, RecipientOutcome, i64)>,
    touched: BTreeMap<String, Option<i64>>,
}

impl Rows {
    async fn flush(&self, tx: &mut Transaction<'static, Sqlite>) -> Result<(), StoreError> {
        for chunk in self.attempts.chunks(ROWS_PER_INSERT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO attempts (dispatch_id, number, at_ms, duration_ms, result, counted, \
                   error_kind, error_code, error_message, ambiguous) ",
            );
            q.push_values(chunk, |mut b, a| {
                b.push_bind(a.dispatch_id)
                    .push_bind(a.number)
                    .push_bind(a.at_ms)
                    .push_bind(a.duration_ms)
                    .push_bind(a.result)
                    .push_bind(a.counted)
                    .push_bind(a.error_kind.as_deref())
                    .push_bind(a.error_code)
                    .push_bind(a.error_message.as_deref())
                    .push_bind(a.ambiguous);
            });
            q.build().execute(&mut **tx).await?;
        }
        for chunk in self.outcomes.chunks(ROWS_PER_INSERT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO recipient_outcomes (dispatch_id, recipient, outcome, detail, at_ms) ",
            );
            q.push_values(chunk, |mut b, (id, o, at)| {
                b.push_bind(*id)
                    .push_bind(o.recipient.as_str())
                    .push_bind(o.outcome.as_str())
                    .push_bind(o.detail.as_deref())
                    .push_bind(*at);
            });
            q.push(
                " ON CONFLICT (dispatch_id, recipient) DO UPDATE SET outcome = excluded.outcome, \
                 detail = excluded.detail, at_ms = excluded.at_ms",
            );
            q.build().execute(&mut **tx).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "complete_tests.rs"]
mod tests;
