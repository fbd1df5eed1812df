//! Completion, written once for both backends: what a result means for its dispatch
//! ([`outcome_of`]), the dispatch update, and the rows a completion adds (`attempts`,
//! `recipient_outcomes`), which are queued in [`Rows`] and inserted with multi-row statements
//! at the end (SQLite's writer task does this for a whole group of completions, PostgreSQL for
//! the one completion of its transaction).

use std::collections::{BTreeMap, HashMap};

use crate::{AttemptError, DispatchResult, DispatchStatus, RecipientOutcome};

/// Rows per multi-row INSERT (10 parameters each stays far below either database's limit).
pub(crate) const ROWS_PER_INSERT: usize = 200;

/// The dispatch status, whether the attempt counts, the attempt's label, the next attempt time
/// and the error of `result`.
pub(crate) fn outcome_of(
    result: &DispatchResult,
) -> (DispatchStatus, bool, &'static str, Option<i64>, Option<&AttemptError>) {
    match result {
        DispatchResult::Delivered { .. } => (DispatchStatus::Delivered, true, "delivered", None, None),
        DispatchResult::Retry { at_ms, counts_attempt: true, error } => {
            (DispatchStatus::Retrying, true, "retry", Some(*at_ms), Some(error))
        }
        DispatchResult::Retry { at_ms, counts_attempt: false, error } => {
            (DispatchStatus::Deferred, false, "deferred", Some(*at_ms), Some(error))
        }
        DispatchResult::Dead { error, .. } => (DispatchStatus::Dead, true, "dead", None, Some(error)),
    }
}

/// One queued `attempts` row.
pub(crate) struct AttemptRow {
    pub(crate) dispatch_id: i64,
    pub(crate) number: i64,
    pub(crate) at_ms: i64,
    pub(crate) duration_ms: Option<i64>,
    pub(crate) result: &'static str,
    pub(crate) counted: bool,
    pub(crate) error_kind: Option<String>,
    pub(crate) error_code: Option<i64>,
    pub(crate) error_message: Option<String>,
    pub(crate) ambiguous: bool,
}

impl AttemptRow {
    /// The row of attempt `number` of dispatch `id`, claimed at `claimed_at_ms`, ending at `now_ms`.
    pub(crate) fn new(
        id: i64,
        number: i64,
        claimed_at_ms: Option<i64>,
        now_ms: i64,
        result: &'static str,
        counted: bool,
        error: Option<&AttemptError>,
    ) -> Self {
        AttemptRow {
            dispatch_id: id,
            number,
            at_ms: now_ms,
            duration_ms: claimed_at_ms.map(|c| now_ms.saturating_sub(c).max(0)),
            result,
            counted,
            error_kind: error.map(|e| e.kind.clone()),
            error_code: error.and_then(|e| e.code),
            error_message: error.map(|e| e.message.clone()),
            ambiguous: error.is_some_and(|e| e.ambiguous),
        }
    }
}

/// What completions insert at their end, and the messages whose status is derived then.
#[derive(Default)]
pub(crate) struct Rows {
    pub(crate) attempts: Vec<AttemptRow>,
    pub(crate) outcomes: Vec<(i64, RecipientOutcome, i64)>,
    pub(crate) touched: BTreeMap<String, Option<i64>>,
}

impl Rows {
    /// The queued outcomes, only the last one of each (dispatch, recipient): one multi-row
    /// upsert may not touch a row twice on PostgreSQL.
    pub(crate) fn last_outcomes(&self) -> Vec<&(i64, RecipientOutcome, i64)> {
        let mut last = HashMap::with_capacity(self.outcomes.len());
        for (i, (id, o, _)) in self.outcomes.iter().enumerate() {
            last.insert((*id, o.recipient.as_str()), i);
        }
        let keep =
            |i: usize, (id, o, _): &(i64, RecipientOutcome, i64)| last.get(&(*id, o.recipient.as_str())) == Some(&i);
        self.outcomes.iter().enumerate().filter(|(i, row)| keep(*i, row)).map(|(_, row)| row).collect()
    }
}

/// What a completion comes to: recorded (`None`), or, for a delivery that had to hold a unique
/// msgid, the other message that holds it already (nothing recorded); `Conflict` for a lost lease.
pub(crate) type Completed = Result<Option<yizhan_core::MessageId>, crate::StoreError>;

/// One `complete` call waiting for the commit of the group that records it (both backends
/// group-commit completions in a writer task, see [`crate::sql::group`]).
pub(crate) struct CompleteJob {
    pub(crate) claim: crate::ClaimToken,
    pub(crate) result: DispatchResult,
    pub(crate) now_ms: i64,
    /// Record a delivery only if no dispatch of another message holds its msgid
    /// ([`crate::Store::complete_unless_duplicate`]).
    pub(crate) unique_msgid: bool,
    pub(crate) reply: crate::sql::group::Reply<Option<yizhan_core::MessageId>>,
}

impl CompleteJob {
    /// The msgid this completion must hold alone, if it is to be checked.
    pub(crate) fn msgid_to_check(&self) -> Option<&str> {
        match &self.result {
            DispatchResult::Delivered { handles, .. } if self.unique_msgid => handles.msgid.as_deref(),
            _ => None,
        }
    }
}

impl crate::sql::group::Job for CompleteJob {
    type Answer = Option<yizhan_core::MessageId>;
    fn answer(self, result: Completed) {
        let _ = self.reply.send(result);
    }
}

/// `update_dispatch`, `earlier_ambiguous` and `flush` (of [`Rows`]) on `$db`.
macro_rules! complete {
    ($db:ty) => {
        /// Records `result` on dispatch `id`: status, attempts, next attempt time, handles of a
        /// delivery; the lease is cleared.
        pub(super) async fn update_dispatch(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: i64,
            result: &$crate::DispatchResult,
            now_ms: i64,
        ) -> Result<(), $crate::StoreError> {
            let (status, counted, _, next_at, _) = $crate::sql::complete::outcome_of(result);
            let handles = match result {
                $crate::DispatchResult::Delivered { handles, .. } => Some(handles),
                _ => None,
            };
            sqlx::query(
                "UPDATE dispatches SET status = $1, attempts = attempts + $2, \
                   next_attempt_at_ms = coalesce($3, next_attempt_at_ms), lease_owner = NULL, \
                   lease_token = NULL, lease_until_ms = NULL, claimed_at_ms = NULL, updated_at_ms = $4, \
                   msgid = CASE WHEN $6 THEN $7 ELSE msgid END, \
                   response_code = CASE WHEN $6 THEN $8 ELSE response_code END, \
                   taskid = CASE WHEN $6 THEN $9 ELSE taskid END \
                 WHERE id = $5",
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
            Ok(())
        }

        /// Whether an earlier attempt of dispatch `id` was ambiguous.
        pub(super) async fn earlier_ambiguous(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: i64,
        ) -> Result<bool, $crate::StoreError> {
            Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM attempts WHERE dispatch_id = $1 AND ambiguous = $2)")
                .bind(id)
                .bind(true)
                .fetch_one(&mut **tx)
                .await?)
        }

        /// Inserts the queued attempt rows and recipient outcomes of `rows`, a few hundred rows
        /// per statement.
        pub(super) async fn flush(
            tx: &mut sqlx::Transaction<'static, $db>,
            rows: &$crate::sql::complete::Rows,
        ) -> Result<(), $crate::StoreError> {
            use $crate::sql::complete::ROWS_PER_INSERT;
            for chunk in rows.attempts.chunks(ROWS_PER_INSERT) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
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
            for chunk in rows.last_outcomes().chunks(ROWS_PER_INSERT) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO recipient_outcomes (dispatch_id, recipient, outcome, detail, at_ms) ",
                );
                q.push_values(chunk, |mut b, row| {
                    let (id, o, at) = (row.0, &row.1, row.2);
                    b.push_bind(id)
                        .push_bind(o.recipient.as_str())
                        .push_bind(o.outcome.as_str())
                        .push_bind(o.detail.as_deref())
                        .push_bind(at);
                });
                q.push(
                    " ON CONFLICT (dispatch_id, recipient) DO UPDATE SET outcome = excluded.outcome, \
                     detail = excluded.detail, at_ms = excluded.at_ms",
                );
                q.build().execute(&mut **tx).await?;
            }
            super::events::outcomes(tx, rows).await
        }
    };
}
pub(crate) use complete;

#[cfg(test)]
mod tests {
    use super::Rows;
    use crate::RecipientOutcome;

    fn outcome(recipient: &str, outcome: &str) -> RecipientOutcome {
        RecipientOutcome { recipient: recipient.to_owned(), outcome: outcome.to_owned(), detail: None }
    }

    #[test]
    fn only_the_last_outcome_of_a_recipient_is_inserted() {
        let mut rows = Rows::default();
        rows.outcomes.push((1, outcome("alice", "invalid"), 10));
        rows.outcomes.push((1, outcome("bob", "delivered"), 10));
        rows.outcomes.push((2, outcome("alice", "delivered"), 10));
        rows.outcomes.push((1, outcome("alice", "delivered"), 11));
        let kept: Vec<(i64, &str, &str, i64)> = rows
            .last_outcomes()
            .iter()
            .map(|(id, o, at)| (*id, o.recipient.as_str(), o.outcome.as_str(), *at))
            .collect();
        assert_eq!(kept, [(1, "bob", "delivered", 10), (2, "alice", "delivered", 10), (1, "alice", "delivered", 11)]);
    }
}
