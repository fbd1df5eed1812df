//! Keeps `messages.status` in step with the message's dispatches, inside the caller's
//! transaction (the PostgreSQL twin of `sqlite/status.rs`).

use std::sync::LazyLock;

use sqlx::{Postgres, Row, Transaction};

use crate::status::{OUTCOME_COUNTS, derive};
use crate::{MessageStatus, StoreError};

/// Re-derives and stores the status of message `id`; `now_ms` (if given) becomes `updated_at_ms`
/// when the status changes.
///
/// The message row is locked first and its dispatches read afterwards (a new snapshot under READ
/// COMMITTED), so two instances changing different dispatches of one message never both derive
/// from stale facts.
pub(crate) async fn refresh(
    tx: &mut Transaction<'static, Postgres>,
    id: &str,
    now_ms: Option<i64>,
) -> Result<MessageStatus, StoreError> {
    let row = sqlx::query("SELECT status, scheduled FROM messages WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let current: MessageStatus = row.try_get::<String, _>("status")?.parse()?;
    let scheduled: bool = row.try_get("scheduled")?;
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT d.status, d.attempts, {OUTCOME_COUNTS} FROM dispatches d WHERE d.message_id = $1")
    });
    let rows = sqlx::query(SQL.as_str()).bind(id).fetch_all(&mut **tx).await?;
    let mut facts = Vec::with_capacity(rows.len());
    for r in rows {
        facts.push(crate::rows::dispatch_facts(&r, &r.try_get::<String, _>("status")?)?);
    }
    let next = derive(current, scheduled, &facts);
    if next != current {
        sqlx::query("UPDATE messages SET status = $1, updated_at_ms = coalesce($2, updated_at_ms) WHERE id = $3")
            .bind(next.as_str())
            .bind(now_ms)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(next)
}
