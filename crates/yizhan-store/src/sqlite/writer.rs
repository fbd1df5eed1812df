//! Group commit: one task owns every accept and writes what has queued up in one transaction.
//!
//! Callers send their messages over a channel and wait on a oneshot that is answered only after
//! COMMIT, so a 202 always means "durable". While one group is being synced, the next one queues
//! up behind it; under load groups grow by themselves, and an idle gateway pays no extra
//! latency waiting for company (there is no linger timer).
//!
//! If a group's transaction fails, each job of it is retried in a transaction of its own, so one
//! bad message (say, a reused id) fails alone.

use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::record::parse_id;
use crate::{AcceptOutcome, DispatchStatus, MessageStatus, NewMessage, StoreError};

/// The most messages written in one group.
pub(crate) const MAX_GROUP: usize = 256;

/// One `accept` or `accept_batch` call waiting for its commit.
pub(crate) struct AcceptJob {
    pub(crate) msgs: Vec<NewMessage>,
    pub(crate) reply: oneshot::Sender<Result<Vec<AcceptOutcome>, StoreError>>,
}

/// The writer loop; ends when every sender (every `SqliteStore` clone) is gone.
pub(crate) async fn run(pool: SqlitePool, gate: std::sync::Arc<Mutex<()>>, mut rx: mpsc::Receiver<AcceptJob>) {
    while let Some(first) = rx.recv().await {
        let mut size = first.msgs.len();
        let mut group = vec![first];
        while size < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => {
                    size += job.msgs.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        tracing::trace!(jobs = group.len(), messages = size, "committing an accept group");
        write_group(&pool, &gate, group).await;
    }
}

async fn write_group(pool: &SqlitePool, gate: &Mutex<()>, group: Vec<AcceptJob>) {
    let batches: Vec<&[NewMessage]> = group.iter().map(|j| j.msgs.as_slice()).collect();
    match write(pool, gate, &batches).await {
        Ok(results) => {
            for (job, result) in group.into_iter().zip(results) {
                // A caller that went away no longer needs the answer; its messages are stored.
                let _ = job.reply.send(Ok(result));
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some(job) = group.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, jobs = group.len(), "group commit failed; writing jobs one by one");
            for job in group {
                let result = write(pool, gate, &[job.msgs.as_slice()]).await.map(|mut r| r.pop().unwrap_or_default());
                let _ = job.reply.send(result);
            }
        }
    }
}

/// Writes every batch in one transaction; one result list per batch.
async fn write(
    pool: &SqlitePool,
    gate: &Mutex<()>,
    batches: &[&[NewMessage]],
) -> Result<Vec<Vec<AcceptOutcome>>, StoreError> {
    let _gate = gate.lock().await;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let mut outcomes = Vec::with_capacity(batch.len());
        for msg in *batch {
            outcomes.push(insert(&mut tx, msg).await?);
        }
        out.push(outcomes);
    }
    tx.commit().await?;
    Ok(out)
}

/// Inserts one message unless its idempotency key is already taken (also within this group:
/// earlier inserts of the same transaction are visible).
async fn insert(tx: &mut Transaction<'static, Sqlite>, msg: &NewMessage) -> Result<AcceptOutcome, StoreError> {
    if let Some(idem) = &msg.idempotency {
        let found = sqlx::query(
            "SELECT id, idem_body_sha256 FROM messages \
             WHERE coalesce(api_key, '') = coalesce(?1, '') AND idem_key = ?2",
        )
        .bind(&msg.api_key)
        .bind(&idem.key)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = found {
            let id = parse_id(row.try_get("id")?)?;
            let hash: Option<String> = row.try_get("idem_body_sha256")?;
            return Ok(if hash.as_deref() == Some(idem.body_sha256.as_str()) {
                AcceptOutcome::Replayed(id)
            } else {
                AcceptOutcome::IdempotencyMismatch(id)
            });
        }
    }
    let id = msg.id.to_string();
    let taken = sqlx::query("SELECT 1 FROM messages WHERE id = ?1").bind(&id).fetch_optional(&mut **tx).await?;
    if taken.is_some() {
        return Err(StoreError::Conflict(format!("message id {id} already exists")));
    }
    let scheduled = msg.send_at_ms > msg.created_at_ms;
    let status = if scheduled { MessageStatus::Scheduled } else { MessageStatus::Accepted };
    sqlx::query(
        "INSERT INTO messages (id, channel, api_key, idem_key, idem_body_sha256, request, status, \
         scheduled, send_at_ms, expires_at_ms, created_at_ms, updated_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
    )
    .bind(&id)
    .bind(&msg.channel)
    .bind(&msg.api_key)
    .bind(msg.idempotency.as_ref().map(|i| i.key.as_str()))
    .bind(msg.idempotency.as_ref().map(|i| i.body_sha256.as_str()))
    .bind(msg.request.to_string())
    .bind(status.as_str())
    .bind(scheduled)
    .bind(msg.send_at_ms)
    .bind(msg.expires_at_ms)
    .bind(msg.created_at_ms)
    .execute(&mut **tx)
    .await?;
    for (seq, d) in msg.dispatches.iter().enumerate() {
        let recipients =
            serde_json::to_string(&d.recipients).map_err(|e| StoreError::Invalid(format!("recipients: {e}")))?;
        sqlx::query(
            "INSERT INTO dispatches (message_id, seq, endpoint, body, dedupe_id, recipients, status, \
             next_attempt_at_ms, updated_at_ms, after_seq, coalesce_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(&id)
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .bind(&d.endpoint)
        .bind(d.body.as_slice())
        .bind(&d.dedupe_id)
        .bind(recipients)
        .bind(DispatchStatus::Pending.as_str())
        .bind(msg.send_at_ms)
        .bind(msg.created_at_ms)
        .bind(d.after_seq)
        .bind(&d.coalesce_key)
        .execute(&mut **tx)
        .await?;
    }
    Ok(AcceptOutcome::Accepted(msg.id))
}
