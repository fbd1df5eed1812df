//! Group commit on PostgreSQL, as on SQLite: one task per store takes every accept that has
//! queued up and writes it in one transaction, so a burst of accepts costs one commit (one WAL
//! flush) per group instead of one per request. Callers are answered after COMMIT; a group that
//! fails as a whole is written job by job ([`crate::sql::group::commit`]).

use sqlx::PgPool;
use tokio::sync::mpsc;

use super::accept::write;
use crate::handoff::HandoffSlot;
use crate::sql::group::{AcceptJob, WriteGroup};
use crate::{AcceptOutcome, NewMessage, StoreError};

/// The most messages written in one group.
const MAX_GROUP: usize = 256;

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
        crate::sql::group::commit(group, &Writer { pool: &pool, handoff: &handoff }).await;
    }
}

/// The pool and the handoff of this instance's worker, writing accept groups.
struct Writer<'p> {
    pool: &'p PgPool,
    handoff: &'p HandoffSlot,
}

impl WriteGroup<AcceptJob> for Writer<'_> {
    async fn write(&self, jobs: &[AcceptJob]) -> Result<Vec<Result<Vec<AcceptOutcome>, StoreError>>, StoreError> {
        let batches: Vec<&[NewMessage]> = jobs.iter().map(|j| j.msgs.as_slice()).collect();
        Ok(write(self.pool, self.handoff, &batches).await?.into_iter().map(Ok).collect())
    }
}
