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

use sqlx::SqlitePool;
use tokio::sync::{Mutex, mpsc};

use super::accept::insert_group;
use super::complete::{self, CompleteJob};
use crate::handoff::{HandoffSlot, Reservation};
pub(crate) use crate::sql::group::AcceptJob;
use crate::{AcceptOutcome, NewMessage, StoreError};

/// The most messages written in one group.
pub(crate) const MAX_GROUP: usize = 256;

/// Work for the writer task.
pub(crate) enum WriteJob {
    /// Messages to store.
    Accept(AcceptJob),
    /// An attempt's result to record.
    Complete(CompleteJob),
}

impl From<AcceptJob> for WriteJob {
    fn from(job: AcceptJob) -> WriteJob {
        WriteJob::Accept(job)
    }
}

impl From<CompleteJob> for WriteJob {
    fn from(job: CompleteJob) -> WriteJob {
        WriteJob::Complete(job)
    }
}

/// The writer loop; ends when every sender (every `SqliteStore` clone) is gone.
pub(crate) async fn run(
    pool: SqlitePool,
    gate: std::sync::Arc<Mutex<()>>,
    handoff: HandoffSlot,
    mut rx: mpsc::Receiver<WriteJob>,
) {
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
        write_group(&pool, &gate, &handoff, accepts, completions).await;
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

async fn write_group(
    pool: &SqlitePool,
    gate: &Mutex<()>,
    handoff: &HandoffSlot,
    accepts: Vec<AcceptJob>,
    completions: Vec<CompleteJob>,
) {
    let batches: Vec<&[NewMessage]> = accepts.iter().map(|j| j.msgs.as_slice()).collect();
    match write(pool, gate, handoff, &batches, &completions).await {
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
                let result = write(pool, gate, handoff, &[job.msgs.as_slice()], &[])
                    .await
                    .map(|(mut r, _)| r.pop().unwrap_or_default());
                let _ = job.reply.send(result);
            }
            for job in completions {
                complete::write_group(pool, gate, vec![job]).await;
            }
        }
    }
}

/// Writes every batch and every completion in one transaction; one result list per batch and
/// one result per completion (a lost lease fails only its completion). The dispatches the
/// registered worker's handoff reserved room for are leased to it in the same transaction and
/// queued for it after COMMIT (see [`crate::handoff`]).
#[allow(clippy::type_complexity)]
async fn write(
    pool: &SqlitePool,
    gate: &Mutex<()>,
    handoff: &HandoffSlot,
    batches: &[&[NewMessage]],
    completions: &[CompleteJob],
) -> Result<(Vec<Vec<AcceptOutcome>>, Vec<crate::sql::complete::Completed>), StoreError> {
    let hot = match handoff.current() {
        Some(h) if !batches.is_empty() => h.plan(batches),
        _ => Reservation::none(),
    };
    let _gate = gate.lock().await;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let (out, handed, _) = insert_group(&mut tx, batches, &hot).await?;
    let completed = if completions.is_empty() { Vec::new() } else { complete::write_in(&mut tx, completions).await? };
    tx.commit().await?;
    hot.deliver(handed);
    Ok((out, completed))
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
