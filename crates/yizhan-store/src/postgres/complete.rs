//! Group commit of completions on PostgreSQL: one task per store records the results that have
//! queued up in one transaction, so a burst of finished sends costs one commit (one WAL flush)
//! instead of one per result. [`crate::Store::complete`] is answered only after COMMIT, so an
//! attempt's result is durable before the worker lets go of the dispatch.
//!
//! Each result is recorded as before (lease checked `FOR UPDATE`, dispatch updated, coalesced
//! members completed); the attempt rows and outcomes of the whole group are inserted at the end
//! with multi-row statements, and every touched message's status is derived once, in sorted
//! order, after every dispatch row was locked (the lock order of `super`'s module docs). A lost
//! lease fails only its own result (the lease check is a read: the transaction stays usable);
//! any other error rolls the group back and each result is retried in a transaction of its own.

use std::collections::{BTreeMap, HashMap};

use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::mpsc;

use super::notify_due;
use super::order::{end_orphans, successors_waiting};
use super::status::{check_lease, refresh_all};
pub(crate) use crate::sql::complete::CompleteJob;
use crate::sql::complete::{AttemptRow, Completed, Rows, outcome_of};
use crate::{DispatchResult, StoreError};
use yizhan_core::MessageId;

crate::sql::complete::complete!(sqlx::Postgres);

/// The most results written in one group.
const MAX_GROUP: usize = 256;

/// The completion writer loop; ends when every sender (every `PgStore` clone) is gone.
pub(crate) async fn run(pool: PgPool, mut rx: mpsc::Receiver<CompleteJob>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        crate::sql::group::commit(group, &Writer(&pool)).await;
    }
}

/// The pool, writing completion groups.
struct Writer<'p>(&'p PgPool);

impl crate::sql::group::WriteGroup<CompleteJob> for Writer<'_> {
    fn write<'a>(
        &'a self,
        jobs: &'a [CompleteJob],
    ) -> impl std::future::Future<Output = Result<Vec<Completed>, StoreError>> + Send + 'a {
        write(self.0, jobs)
    }
}

/// Writes every job in one transaction; one result per job (a lost lease fails only its job).
async fn write(pool: &PgPool, jobs: &[CompleteJob]) -> Result<Vec<Completed>, StoreError> {
    let mut tx = pool.begin().await?;
    let mut rows = Rows::default();
    let mut wake = false;
    let mut out = Vec::with_capacity(jobs.len());
    let owners = msgid_holders(&mut tx, jobs).await?;
    for job in jobs {
        match record(&mut tx, job, &owners, &mut rows, &mut wake).await {
            Ok(owner) => out.push(Ok(owner)),
            Err(e @ (StoreError::Conflict(_) | StoreError::NotFound)) => out.push(Err(e)),
            Err(e) => return Err(e),
        }
    }
    flush(&mut tx, &rows).await?;
    // Message rows are locked last and in sorted order, after every dispatch row.
    refresh_all(&mut tx, &rows.touched).await?;
    if wake {
        notify_due(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// The messages holding each msgid the group's deliveries must hold alone
/// ([`CompleteJob::msgid_to_check`]), read in one statement.
async fn msgid_holders(
    tx: &mut Transaction<'static, Postgres>,
    jobs: &[CompleteJob],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let msgids: Vec<&str> = jobs.iter().filter_map(CompleteJob::msgid_to_check).collect();
    let mut holders: HashMap<String, Vec<String>> = HashMap::new();
    if msgids.is_empty() {
        return Ok(holders);
    }
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT DISTINCT msgid, message_id FROM dispatches WHERE msgid = ANY($1)")
            .bind(&msgids)
            .fetch_all(&mut **tx)
            .await?;
    for (msgid, message_id) in rows {
        holders.entry(msgid).or_default().push(message_id);
    }
    Ok(holders)
}

/// Records one result in `tx`: the dispatch (and its coalesced members) updated now, its attempt
/// row and outcomes queued in `rows`; `wake` set when a delivery made ordered successors due.
/// Nothing is recorded for a delivery whose msgid must be unique and another message holds:
/// that message is returned.
async fn record(
    tx: &mut Transaction<'static, Postgres>,
    job: &CompleteJob,
    holders: &HashMap<String, Vec<String>>,
    rows: &mut Rows,
    wake: &mut bool,
) -> Result<Option<MessageId>, StoreError> {
    let (id, now_ms, result) = (job.claim.dispatch_id, job.now_ms, &job.result);
    let (message_id, claimed_at_ms) = check_lease(tx, &job.claim).await?;
    let owner = job.msgid_to_check().and_then(|msgid| holders.get(msgid)?.iter().find(|m| **m != message_id));
    if let Some(owner) = owner {
        return Ok(Some(crate::record::parse_id(owner)?));
    }
    let number: i64 = sqlx::query_scalar("SELECT coalesce(max(number), 0) + 1 FROM attempts WHERE dispatch_id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let (_, counted, label, _, error) = outcome_of(result);
    update_dispatch(tx, id, result, now_ms).await?;
    let sticky = match (result, error) {
        (DispatchResult::Dead { .. }, Some(e)) if !e.ambiguous => {
            crate::status::still_unknown(e, earlier_ambiguous(tx, id).await?)
        }
        _ => None,
    };
    rows.attempts.push(AttemptRow::new(id, number, claimed_at_ms, now_ms, label, counted, sticky.as_ref().or(error)));
    let members = super::coalesce::members(tx, id).await?;
    let outcomes = match result {
        DispatchResult::Delivered { outcomes, .. } => {
            *wake |= successors_waiting(tx, &message_id).await?;
            outcomes.as_slice()
        }
        DispatchResult::Dead { outcomes, .. } => outcomes.as_slice(),
        DispatchResult::Retry { .. } => &[],
    };
    let own = super::coalesce::own_outcomes(tx, id, &members, outcomes).await?;
    rows.outcomes.extend(own.into_iter().map(|o| (id, o.clone(), now_ms)));
    let mut touched = super::coalesce::complete_members(tx, id, &members, result, label, now_ms).await?;
    if matches!(result, DispatchResult::Dead { .. }) {
        touched.extend(end_orphans(tx, Some(&message_id), now_ms).await?);
    }
    touched.insert(message_id);
    let touched: BTreeMap<String, Option<i64>> = touched.into_iter().map(|m| (m, Some(now_ms))).collect();
    rows.touched.extend(touched);
    Ok(None)
}
