//! Group commit, what both backends share: a caller queues its job for a writer task and waits
//! for the answer, which comes only after COMMIT ([`ask`]); the writer writes what has queued up
//! in one transaction and, if that fails as a whole, each job in a transaction of its own, so
//! one bad job fails alone ([`commit`]).

use std::future::Future;

use tokio::sync::{mpsc, oneshot};
use yizhan_core::MessageId;

use crate::sql::complete::CompleteJob;
use crate::{AcceptOutcome, ClaimToken, DispatchResult, NewMessage, StoreError};

/// The answer a job waits for.
pub(crate) type Reply<A> = oneshot::Sender<Result<A, StoreError>>;

/// Queues the job `make` builds around its reply channel on `queue` and waits for the answer.
pub(crate) async fn ask<J, A>(queue: &mpsc::Sender<J>, make: impl FnOnce(Reply<A>) -> J) -> Result<A, StoreError> {
    let (reply, answer) = oneshot::channel();
    queue.send(make(reply)).await.map_err(|_| StoreError::Closed)?;
    answer.await.map_err(|_| StoreError::Closed)?
}

/// Checks `msgs` and queues them on the accept writer `queue`; answers once they are committed.
pub(crate) async fn accept<J: From<AcceptJob>>(
    queue: &mpsc::Sender<J>,
    msgs: Vec<NewMessage>,
) -> Result<Vec<AcceptOutcome>, StoreError> {
    for m in &msgs {
        if m.dispatches.is_empty() {
            return Err(StoreError::Invalid(format!("message {} has no dispatches", m.id)));
        }
        crate::model::check_order(m)?;
    }
    if msgs.is_empty() {
        return Ok(Vec::new());
    }
    ask(queue, |reply| AcceptJob { msgs, reply }.into()).await
}

/// Queues the result of an attempt on the completion writer `queue`; answers once it is
/// committed (`Conflict` if `claim` no longer holds its lease). With `unique_msgid`, a delivery
/// whose msgid a dispatch of another message holds is not recorded: that message is returned.
pub(crate) async fn complete<J: From<CompleteJob>>(
    queue: &mpsc::Sender<J>,
    claim: &ClaimToken,
    result: DispatchResult,
    now_ms: i64,
    unique_msgid: bool,
) -> Result<Option<MessageId>, StoreError> {
    let claim = claim.clone();
    ask(queue, |reply| CompleteJob { claim, result, now_ms, unique_msgid, reply }.into()).await
}

/// One `accept` or `accept_batch` call waiting for its commit.
pub(crate) struct AcceptJob {
    pub(crate) msgs: Vec<NewMessage>,
    pub(crate) reply: Reply<Vec<AcceptOutcome>>,
}

/// A job of a writer task.
pub(crate) trait Job {
    /// What its caller gets once it is committed.
    type Answer;
    /// Answers the caller (a caller that went away no longer needs it: its work is committed).
    fn answer(self, result: Result<Self::Answer, StoreError>);
}

impl Job for AcceptJob {
    type Answer = Vec<AcceptOutcome>;
    fn answer(self, result: Result<Self::Answer, StoreError>) {
        let _ = self.reply.send(result);
    }
}

/// How a backend writes a group of jobs in one transaction: one result per job (a job may fail
/// alone, say a completion whose lease was lost), or an error that rolled the whole group back.
pub(crate) trait WriteGroup<J: Job> {
    /// Writes `jobs` in one transaction.
    fn write<'a>(
        &'a self,
        jobs: &'a [J],
    ) -> impl Future<Output = Result<Vec<Result<J::Answer, StoreError>>, StoreError>> + Send + 'a;
}

/// Writes `group` with `writer` and answers every job. If the group as a whole fails, each job
/// is written alone, so one bad job fails alone.
pub(crate) async fn commit<J: Job, W: WriteGroup<J>>(group: Vec<J>, writer: &W) {
    match writer.write(&group).await {
        Ok(results) => {
            for (job, result) in group.into_iter().zip(results) {
                job.answer(result);
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some(job) = group.into_iter().next() {
                job.answer(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, jobs = group.len(), "group commit failed; writing jobs one by one");
            for job in group {
                let result = writer
                    .write(std::slice::from_ref(&job))
                    .await
                    .and_then(|mut r| r.pop().unwrap_or(Err(StoreError::Closed)));
                job.answer(result);
            }
        }
    }
}
