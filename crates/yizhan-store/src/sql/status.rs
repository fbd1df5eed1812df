//! What every write checks and derives: whether a claim still holds its dispatch, and the status
//! of a message from its dispatches (derived in [`crate::status::derive`]), kept in
//! `messages.status` inside the caller's transaction, with the event announcing a change
//! ([`crate::sql::events`]).

use std::collections::BTreeMap;

use crate::status::{DispatchFacts, derive};
use crate::{MessageStatus, StoreError};

/// What a set-based refresh read: each message's current status, whether it is scheduled, and
/// the facts of its dispatches.
pub(crate) type Found = BTreeMap<String, (MessageStatus, bool, Vec<DispatchFacts>)>;

/// The statuses of `found` that change, as JSON `[id, status, updated_at_ms]` rows for the
/// backend's one UPDATE, and the events announcing them. `touched` maps a message id to the
/// time that becomes its `updated_at_ms` if its status changes (`None`: left as is); every
/// touched message must have been found.
pub(crate) fn changes(
    found: &Found,
    touched: &BTreeMap<String, Option<i64>>,
) -> Result<(Vec<serde_json::Value>, Vec<crate::sql::events::MessageEvent>), StoreError> {
    if found.len() != touched.len() {
        return Err(StoreError::NotFound);
    }
    let mut changed = Vec::new();
    let mut events = Vec::new();
    for (id, (current, scheduled, facts)) in found {
        let next = derive(*current, *scheduled, facts);
        if next != *current {
            let now_ms = touched.get(id).copied().flatten();
            changed.push(serde_json::json!([id, next.as_str(), now_ms]));
            let at_ms = now_ms.unwrap_or_else(crate::sql::events::now_ms);
            events.extend(crate::sql::events::MessageEvent::status_change(id, *current, next, at_ms));
        }
    }
    Ok((changed, events))
}

/// `check_lease` and `refresh` on `$db`. `$lock` locks the row read (PostgreSQL: `FOR UPDATE`:
/// a concurrent completion of the same claim waits and then sees the new state, and a message
/// row is locked before its dispatches are read again, a new snapshot under READ COMMITTED, so
/// two instances changing different dispatches of one message never both derive from stale
/// facts; SQLite: nothing, one writer at a time).
macro_rules! status {
    ($db:ty, lock = $lock:literal) => {
        /// Checks that `claim` still holds its dispatch; returns its message id and claim time.
        pub(crate) async fn check_lease(
            tx: &mut sqlx::Transaction<'static, $db>,
            claim: &$crate::ClaimToken,
        ) -> Result<(String, Option<i64>), $crate::StoreError> {
            use sqlx::Row as _;
            let row = sqlx::query(concat!(
                "SELECT message_id, status, lease_token, claimed_at_ms FROM dispatches WHERE id = $1 ",
                $lock
            ))
            .bind(claim.dispatch_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or($crate::StoreError::NotFound)?;
            let status: String = row.try_get("status")?;
            let token: Option<String> = row.try_get("lease_token")?;
            if status != $crate::DispatchStatus::InFlight.as_str() || token.as_deref() != Some(claim.token.as_str()) {
                return Err($crate::StoreError::Conflict(format!(
                    "dispatch {} is no longer held by this claim (status {status})",
                    claim.dispatch_id
                )));
            }
            Ok((row.try_get("message_id")?, row.try_get("claimed_at_ms")?))
        }

        /// Re-derives and stores the status of message `id`; `now_ms` (if given) becomes
        /// `updated_at_ms` when the status changes.
        pub(crate) async fn refresh(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: &str,
            now_ms: Option<i64>,
        ) -> Result<$crate::MessageStatus, $crate::StoreError> {
            use sqlx::Row as _;
            static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                format!(
                    "SELECT d.status, d.attempts, {} FROM dispatches d WHERE d.message_id = $1",
                    $crate::status::OUTCOME_COUNTS
                )
            });
            let row = sqlx::query(concat!("SELECT status, scheduled FROM messages WHERE id = $1 ", $lock))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
            let current: $crate::MessageStatus = row.try_get::<String, _>("status")?.parse()?;
            let scheduled: bool = row.try_get("scheduled")?;
            let rows = sqlx::query(SQL.as_str()).bind(id).fetch_all(&mut **tx).await?;
            let mut facts = Vec::with_capacity(rows.len());
            for r in rows {
                facts.push($crate::rows::dispatch_facts(&r, &r.try_get::<String, _>("status")?)?);
            }
            let next = $crate::status::derive(current, scheduled, &facts);
            if next != current {
                sqlx::query(
                    "UPDATE messages SET status = $1, updated_at_ms = coalesce($2, updated_at_ms) WHERE id = $3",
                )
                .bind(next.as_str())
                .bind(now_ms)
                .bind(id)
                .execute(&mut **tx)
                .await?;
                let at_ms = now_ms.unwrap_or_else($crate::sql::events::now_ms);
                if let Some(event) = $crate::sql::events::MessageEvent::status_change(id, current, next, at_ms) {
                    super::events::insert(tx, &[event]).await?;
                }
            }
            Ok(next)
        }
    };
}
pub(crate) use status;
