//! Group commit on PostgreSQL, as on SQLite: one task per store takes every accept that has
//! queued up and writes it in one transaction, so a burst of accepts costs one commit (one WAL
//! flush) per group instead of one per request. Callers are answered after COMMIT.
//!
//! If a group's transaction fails, each job of it is retried in a transaction of its own, so one
//! bad message (say, a reused id) fails alone.

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use super::accept::write;
use crate::handoff::HandoffSlot;
use crate::{AcceptOutcome, NewMessage, StoreError};

/// The most messages written in one group.
const MAX_GROUP: usize = 256;

/// One `accept` or `accept_batch` call waiting for its commit.
pub(crate) struct AcceptJob {
    pub(crate) msgs: Vec<NewMessage>,
    pub(crate) reply: oneshot::Sender<Result<Vec<AcceptOutcome>, StoreError>>,
}

/// The writer loop; ends when every sender (every `PgStore` clone) is gone.
pub(crate) async fn run(pool: PgPool, handoff: HandoffSlot, mut rx: mpsc::Receiver<AcceptJob>) {
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
        write_group(&pool, &handoff, group).await;
    }
}

async fn write_group(pool: &PgPool, handoff: &HandoffSlot, group: Vec<AcceptJob>) {
    let batches: Vec<&[NewMessage]> = group.iter().map(|j| j.msgs.as_slice()).collect();
    match write(pool, handoff, &batches).await {
        Ok(results) => {
            for (job, result) in group.into_iter().zip(results) {
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
                let result =
                    write(pool, handoff, &[job.msgs.as_slice()]).await.map(|mut r| r.pop().unwrap_or_default());
                let _ = job.reply.send(result);
            }
        }
    }
}
