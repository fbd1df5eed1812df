//! Coalescing, what both backends share: which waiting dispatch may join a merged call
//! ([`fits`], [`take`]), and, through [`members!`], how a leader's completion or release carries
//! over to its members.

use std::collections::HashSet;

use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::StoreError;

/// A member of a merged call.
pub(crate) struct Member {
    /// Its dispatch id.
    pub(crate) id: i64,
    /// Its message.
    pub(crate) message_id: String,
    /// Its own recipients.
    pub(crate) recipients: Vec<String>,
}

impl Member {
    /// A `dispatches` row read with `id`, `message_id` and `recipients`.
    pub(crate) fn from_row<'r, R>(r: &'r R) -> Result<Member, StoreError>
    where
        R: Row,
        &'static str: ColumnIndex<R>,
        i64: Decode<'r, R::Database> + Type<R::Database>,
        String: Decode<'r, R::Database> + Type<R::Database>,
    {
        Ok(Member {
            id: r.try_get("id")?,
            message_id: r.try_get("message_id")?,
            recipients: parse_recipients(&r.try_get::<String, _>("recipients")?)?,
        })
    }
}

/// Whether `candidate` may join a call to `seen`: only disjoint recipient lists merge (a
/// recipient already in the call would get the message once instead of once per message), and
/// the call stays within `max_recipients`.
pub(crate) fn fits(seen: &HashSet<String>, candidate: &Member, max_recipients: usize) -> bool {
    let distinct: HashSet<&String> = candidate.recipients.iter().collect();
    !distinct.iter().any(|r| seen.contains(*r)) && seen.len() + distinct.len() <= max_recipients
}

/// Adds `member`'s recipients to the call.
pub(crate) fn take(seen: &mut HashSet<String>, recipients: &mut Vec<String>, member: &Member) {
    for r in &member.recipients {
        if seen.insert(r.clone()) {
            recipients.push(r.clone());
        }
    }
}

/// A stored JSON recipient list.
pub(crate) fn parse_recipients(json: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("recipients: {e}")))
}

/// `members`, `own_outcomes`, `complete_members` and `mirror_release` on `$db`; `$lock` locks
/// the member rows read (PostgreSQL: `FOR UPDATE OF d`, in id order, after the leader).
macro_rules! members {
    ($db:ty, lock = $lock:literal) => {
        /// The members of `leader`, in id order.
        pub(super) async fn members(
            tx: &mut sqlx::Transaction<'static, $db>,
            leader: i64,
        ) -> Result<Vec<$crate::sql::coalesce::Member>, $crate::StoreError> {
            let rows = sqlx::query(concat!(
                "SELECT d.id, d.message_id, d.recipients FROM dispatch_members m \
                 JOIN dispatches d ON d.id = m.member_id WHERE m.leader_id = $1 ORDER BY d.id ",
                $lock
            ))
            .bind(leader)
            .fetch_all(&mut **tx)
            .await?;
            rows.iter().map($crate::sql::coalesce::Member::from_row).collect()
        }

        /// The outcomes that belong to the leader itself: all of them, unless it carries
        /// members, then those of its own recipients.
        pub(super) async fn own_outcomes<'a>(
            tx: &mut sqlx::Transaction<'static, $db>,
            leader: i64,
            members: &[$crate::sql::coalesce::Member],
            outcomes: &'a [$crate::RecipientOutcome],
        ) -> Result<Vec<&'a $crate::RecipientOutcome>, $crate::StoreError> {
            if members.is_empty() {
                return Ok(outcomes.iter().collect());
            }
            let own: String = sqlx::query_scalar("SELECT recipients FROM dispatches WHERE id = $1")
                .bind(leader)
                .fetch_one(&mut **tx)
                .await?;
            let own: std::collections::HashSet<String> =
                $crate::sql::coalesce::parse_recipients(&own)?.into_iter().collect();
            Ok(outcomes.iter().filter(|o| own.contains(&o.recipient)).collect())
        }

        /// Completes every member of `leader` like the leader was just completed with `result`.
        /// Returns the ids of the messages touched; the caller refreshes them (message rows
        /// last).
        pub(super) async fn complete_members(
            tx: &mut sqlx::Transaction<'static, $db>,
            leader: i64,
            members: &[$crate::sql::coalesce::Member],
            result: &$crate::DispatchResult,
            label: &str,
            now_ms: i64,
        ) -> Result<std::collections::BTreeSet<String>, $crate::StoreError> {
            use $crate::DispatchResult;
            let mut messages = std::collections::BTreeSet::new();
            if members.is_empty() {
                return Ok(messages);
            }
            let (counted, error, outcomes) = match result {
                DispatchResult::Delivered { outcomes, .. } => (true, None, outcomes.as_slice()),
                DispatchResult::Retry { counts_attempt, error, .. } => (*counts_attempt, Some(error), &[][..]),
                DispatchResult::Dead { error, outcomes } => (true, Some(error), outcomes.as_slice()),
            };
            for m in members {
                sqlx::query(
                    "UPDATE dispatches SET (status, attempts, next_attempt_at_ms, msgid, response_code, taskid) = \
                       (SELECT status, attempts, next_attempt_at_ms, msgid, response_code, taskid FROM dispatches \
                        WHERE id = $1), claimed_at_ms = NULL, updated_at_ms = $2 WHERE id = $3",
                )
                .bind(leader)
                .bind(now_ms)
                .bind(m.id)
                .execute(&mut **tx)
                .await?;
                let number: i64 =
                    sqlx::query_scalar("SELECT coalesce(max(number), 0) + 1 FROM attempts WHERE dispatch_id = $1")
                        .bind(m.id)
                        .fetch_one(&mut **tx)
                        .await?;
                super::order::insert_attempt(tx, m.id, number, now_ms, None, label, counted, error).await?;
                let theirs: std::collections::HashSet<&String> = m.recipients.iter().collect();
                for o in outcomes.iter().filter(|o| theirs.contains(&o.recipient)) {
                    sqlx::query(
                        "INSERT INTO recipient_outcomes (dispatch_id, recipient, outcome, detail, at_ms) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dispatch_id, recipient) \
                         DO UPDATE SET outcome = excluded.outcome, detail = excluded.detail, at_ms = excluded.at_ms",
                    )
                    .bind(m.id)
                    .bind(&o.recipient)
                    .bind(&o.outcome)
                    .bind(&o.detail)
                    .bind(now_ms)
                    .execute(&mut **tx)
                    .await?;
                }
                messages.insert(m.message_id.clone());
            }
            if matches!(result, DispatchResult::Dead { .. }) {
                for id in messages.clone() {
                    messages.extend(super::order::end_orphans(tx, Some(&id), now_ms).await?);
                }
            }
            Ok(messages)
        }

        /// After `leader` was released unsent, its members take its status again. Returns the
        /// ids of the members' messages; the caller refreshes them.
        pub(super) async fn mirror_release(
            tx: &mut sqlx::Transaction<'static, $db>,
            leader: i64,
        ) -> Result<std::collections::BTreeSet<String>, $crate::StoreError> {
            let messages: Vec<String> = sqlx::query_scalar(
                "UPDATE dispatches SET status = (SELECT status FROM dispatches WHERE id = $1), \
                   claimed_at_ms = NULL \
                 WHERE id IN (SELECT member_id FROM dispatch_members WHERE leader_id = $1) RETURNING message_id",
            )
            .bind(leader)
            .fetch_all(&mut **tx)
            .await?;
            Ok(messages.into_iter().collect())
        }
    };
}
pub(crate) use members;
