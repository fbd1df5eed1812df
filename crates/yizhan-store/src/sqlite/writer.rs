//! Group commit: one task owns every accept and every completion and writes what has queued up
//! in one transaction, so accepts and attempt results share one WAL sync.
//!
//! Callers send their work over a channel and wait on a oneshot that is answered only after
//! COMMIT, so a 202 always means "durable", and so does a recorded attempt. While one group is
//! being synced, the next one queues up behind it; under load groups grow by themselves, and an
//! idle gateway pays no extra latency waiting for company (there is no linger timer).
//!
//! If a group's transaction fails, each job of it is retried in a transaction of its own, so one
//! bad message (say, a reused id) or one bad result fails alone.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, mpsc, oneshot};
use yizhan_core::MessageId;

use super::complete::{self, CompleteJob};
use crate::record::parse_id;
use crate::{AcceptOutcome, DispatchStatus, MessageStatus, NewMessage, StoreError};

/// The most messages written in one group.
pub(crate) const MAX_GROUP: usize = 256;

/// One `accept` or `accept_batch` call waiting for its commit.
pub(crate) struct AcceptJob {
    pub(crate) msgs: Vec<NewMessage>,
    pub(crate) reply: oneshot::Sender<Result<Vec<AcceptOutcome>, StoreError>>,
}

/// Work for the writer task.
pub(crate) enum WriteJob {
    /// Messages to store.
    Accept(AcceptJob),
    /// An attempt's result to record.
    Complete(CompleteJob),
}

/// The writer loop; ends when every sender (every `SqliteStore` clone) is gone.
pub(crate) async fn run(pool: SqlitePool, gate: std::sync::Arc<Mutex<()>>, mut rx: mpsc::Receiver<WriteJob>) {
    while let Some(first) = rx.recv().await {
        let mut group = Group::default();
        group.take(first);
        while group.size < MAX_GROUP && group.completions.len() < complete::MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.take(job),
                Err(_) => break,
            }
        }
        let Group { accepts, completions, size } = group;
        tracing::trace!(jobs = accepts.len(), messages = size, completions = completions.len(), "committing a group");
        write_group(&pool, &gate, accepts, completions).await;
    }
}

/// The jobs of one group, and how many messages its accepts hold.
#[derive(Default)]
struct Group {
    accepts: Vec<AcceptJob>,
    completions: Vec<CompleteJob>,
    size: usize,
}

impl Group {
    fn take(&mut self, job: WriteJob) {
        match job {
            WriteJob::Accept(job) => {
                self.size += job.msgs.len();
                self.accepts.push(job);
            }
            WriteJob::Complete(job) => self.completions.push(job),
        }
    }
}

async fn write_group(pool: &SqlitePool, gate: &Mutex<()>, accepts: Vec<AcceptJob>, completions: Vec<CompleteJob>) {
    let batches: Vec<&[NewMessage]> = accepts.iter().map(|j| j.msgs.as_slice()).collect();
    match write(pool, gate, &batches, &completions).await {
        Ok((accepted, completed)) => {
            for (job, result) in accepts.into_iter().zip(accepted) {
                // A caller that went away no longer needs the answer; its messages are stored.
                let _ = job.reply.send(Ok(result));
            }
            for (job, result) in completions.into_iter().zip(completed) {
                let _ = job.reply.send(result);
            }
        }
        Err(e) if accepts.len() + completions.len() == 1 => {
            if let Some(job) = accepts.into_iter().next() {
                let _ = job.reply.send(Err(e));
            } else if let Some(job) = completions.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(
                error = %e,
                accepts = accepts.len(),
                completions = completions.len(),
                "group commit failed; writing jobs one by one"
            );
            for job in accepts {
                let result =
                    write(pool, gate, &[job.msgs.as_slice()], &[]).await.map(|(mut r, _)| r.pop().unwrap_or_default());
                let _ = job.reply.send(result);
            }
            for job in completions {
                complete::write_group(pool, gate, vec![job]).await;
            }
        }
    }
}

/// Writes every batch and every completion in one transaction; one result list per batch and
/// one result per completion (a lost lease fails only its completion).
#[allow(clippy::type_complexity)]
async fn write(
    pool: &SqlitePool,
    gate: &Mutex<()>,
    batches: &[&[NewMessage]],
    completions: &[CompleteJob],
) -> Result<(Vec<Vec<AcceptOutcome>>, Vec<Result<(), StoreError>>), StoreError> {
    let _gate = gate.lock().await;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let out = insert_group(&mut tx, batches).await?;
    let completed = if completions.is_empty() { Vec::new() } else { complete::write_in(&mut tx, completions).await? };
    tx.commit().await?;
    Ok((out, completed))
}

/// Messages per multi-row INSERT (12 parameters each, far below SQLite's variable limit).
const ROWS_PER_INSERT: usize = 400;

/// Inserts every message of `batches` unless its idempotency key is already taken (stored, or
/// by an earlier message of this group); one outcome list per batch. The new messages and their
/// dispatches go in with a few multi-row statements, not one per row. A reused message id
/// fails the whole transaction with `Conflict` (the caller then retries job by job, so only
/// the batch holding it fails).
async fn insert_group(
    tx: &mut Transaction<'static, Sqlite>,
    batches: &[&[NewMessage]],
) -> Result<Vec<Vec<AcceptOutcome>>, StoreError> {
    let mut out = Vec::with_capacity(batches.len());
    let mut fresh: Vec<&NewMessage> = Vec::new();
    // (api key, idempotency key) → (message id, body hash) of earlier messages of this group.
    let mut keys: HashMap<(Option<&str>, &str), (MessageId, &str)> = HashMap::new();
    for batch in batches {
        let mut outcomes = Vec::with_capacity(batch.len());
        for msg in *batch {
            if let Some(idem) = &msg.idempotency {
                let slot = (msg.api_key.as_deref(), idem.key.as_str());
                let earlier = match keys.get(&slot) {
                    Some((id, hash)) => Some((*id, Some((*hash).to_owned()))),
                    None => stored_key(tx, msg.api_key.as_deref(), &idem.key).await?,
                };
                if let Some((id, hash)) = earlier {
                    outcomes.push(if hash.as_deref() == Some(idem.body_sha256.as_str()) {
                        AcceptOutcome::Replayed(id)
                    } else {
                        AcceptOutcome::IdempotencyMismatch(id)
                    });
                    continue;
                }
                keys.insert(slot, (msg.id, idem.body_sha256.as_str()));
            }
            fresh.push(msg);
            outcomes.push(AcceptOutcome::Accepted(msg.id));
        }
        out.push(outcomes);
    }
    insert_messages(tx, &fresh).await?;
    insert_dispatches(tx, &fresh).await?;
    let accepted: Vec<_> = fresh.iter().map(|m| crate::sql::events::MessageEvent::accepted(m)).collect();
    super::events::insert(tx, &accepted).await?;
    Ok(out)
}

/// The stored message holding `key` for `api_key`, with its body hash.
async fn stored_key(
    tx: &mut Transaction<'static, Sqlite>,
    api_key: Option<&str>,
    key: &str,
) -> Result<Option<(MessageId, Option<String>)>, StoreError> {
    let found = sqlx::query(
        "SELECT id, idem_body_sha256 FROM messages WHERE coalesce(api_key, '') = coalesce(?1, '') AND idem_key = ?2",
    )
    .bind(api_key)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    found.map(|row| Ok((parse_id(row.try_get("id")?)?, row.try_get("idem_body_sha256")?))).transpose()
}

async fn insert_messages(tx: &mut Transaction<'static, Sqlite>, msgs: &[&NewMessage]) -> Result<(), StoreError> {
    for chunk in msgs.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, channel, api_key, idem_key, idem_body_sha256, request, status, \
             scheduled, send_at_ms, expires_at_ms, created_at_ms, updated_at_ms) ",
        );
        q.push_values(chunk, |mut b, msg| {
            let scheduled = msg.send_at_ms > msg.created_at_ms;
            let status = if scheduled { MessageStatus::Scheduled } else { MessageStatus::Accepted };
            b.push_bind(msg.id.to_string())
                .push_bind(msg.channel.as_str())
                .push_bind(msg.api_key.as_deref())
                .push_bind(msg.idempotency.as_ref().map(|i| i.key.as_str()))
                .push_bind(msg.idempotency.as_ref().map(|i| i.body_sha256.as_str()))
                .push_bind(msg.request.to_string())
                .push_bind(status.as_str())
                .push_bind(scheduled)
                .push_bind(msg.send_at_ms)
                .push_bind(msg.expires_at_ms)
                .push_bind(msg.created_at_ms)
                .push_bind(msg.created_at_ms);
        });
        q.build().execute(&mut **tx).await.map_err(|e| reused_id(e, chunk))?;
    }
    Ok(())
}

async fn insert_dispatches(tx: &mut Transaction<'static, Sqlite>, msgs: &[&NewMessage]) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    for msg in msgs {
        for (seq, d) in msg.dispatches.iter().enumerate() {
            let recipients =
                serde_json::to_string(&d.recipients).map_err(|e| StoreError::Invalid(format!("recipients: {e}")))?;
            rows.push((*msg, i64::try_from(seq).unwrap_or(i64::MAX), d, recipients));
        }
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO dispatches (message_id, seq, endpoint, body, dedupe_id, recipients, status, \
             next_attempt_at_ms, updated_at_ms, after_seq, coalesce_key, dup_key, dup_window_ms, dup_suppress, \
             resend_safe) ",
        );
        q.push_values(chunk, |mut b, (msg, seq, d, recipients)| {
            b.push_bind(msg.id.to_string())
                .push_bind(*seq)
                .push_bind(d.endpoint.as_str())
                .push_bind(d.body.as_slice())
                .push_bind(d.dedupe_id.as_deref())
                .push_bind(recipients.as_str())
                .push_bind(DispatchStatus::Pending.as_str())
                .push_bind(msg.send_at_ms)
                .push_bind(msg.created_at_ms)
                .push_bind(d.after_seq)
                .push_bind(d.coalesce_key.as_deref())
                .push_bind(d.duplicate.as_ref().map(|g| g.key.as_str()))
                .push_bind(d.duplicate.as_ref().map(|g| g.window_ms))
                .push_bind(d.duplicate.as_ref().is_some_and(|g| g.suppress))
                .push_bind(d.resend_safe);
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// `Conflict` for an INSERT that failed on a message id already stored (or given twice).
fn reused_id(e: sqlx::Error, chunk: &[&NewMessage]) -> StoreError {
    let reused = e.as_database_error().is_some_and(|d| d.is_unique_violation() && d.message().contains("messages.id"));
    if reused {
        StoreError::Conflict(match chunk {
            [one] => format!("message id {} already exists", one.id),
            _ => format!("one of {} message ids already exists", chunk.len()),
        })
    } else {
        e.into()
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
