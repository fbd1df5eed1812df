//! Keeps `messages.status` in step with the message's dispatches, inside the caller's
//! transaction, and checks leases: the shared SQL of [`crate::sql::status`], the rows read
//! `FOR UPDATE`, and [`refresh_all`], which derives the statuses of a whole group at once.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use sqlx::{Postgres, Row, Transaction};

use crate::status::OUTCOME_COUNTS;
use crate::{MessageStatus, StoreError};

crate::sql::status::status!(sqlx::Postgres, lock = "FOR UPDATE");

/// [`refresh`] for every message in `touched` (id → the `updated_at_ms` of a change) with three
/// statements: the message rows locked in id order (the lock order of every transaction, after
/// every dispatch row it touched), then their dispatches read (a new snapshot under READ
/// COMMITTED, taken once the locks are held, as [`refresh`] does for one message), then one
/// update of the statuses that changed.
pub(crate) async fn refresh_all(
    tx: &mut Transaction<'static, Postgres>,
    touched: &BTreeMap<String, Option<i64>>,
) -> Result<(), StoreError> {
    if touched.len() <= 1 {
        for (id, now_ms) in touched {
            refresh(tx, id, *now_ms).await?;
        }
        return Ok(());
    }
    let ids = serde_json::to_string(&touched.keys().collect::<Vec<_>>())
        .map_err(|e| StoreError::Invalid(format!("message ids: {e}")))?;
    let mut found = crate::sql::status::Found::new();
    let messages = sqlx::query(
        "SELECT id, status, scheduled FROM messages \
         WHERE id IN (SELECT json_array_elements_text($1::json)) ORDER BY id FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?;
    for r in messages {
        let current: MessageStatus = r.try_get::<String, _>("status")?.parse()?;
        found.insert(r.try_get("id")?, (current, r.try_get("scheduled")?, Vec::new()));
    }
    static FACTS: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT d.message_id, d.status, d.attempts, {OUTCOME_COUNTS} FROM dispatches d \
             WHERE d.message_id IN (SELECT json_array_elements_text($1::json))"
        )
    });
    for r in sqlx::query(FACTS.as_str()).bind(&ids).fetch_all(&mut **tx).await? {
        let id: String = r.try_get("message_id")?;
        if let Some(entry) = found.get_mut(&id) {
            entry.2.push(crate::rows::dispatch_facts(&r, &r.try_get::<String, _>("status")?)?);
        }
    }
    let (changed, events) = crate::sql::status::changes(&found, touched)?;
    if changed.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE messages m SET status = j.value->>1, \
           updated_at_ms = coalesce((j.value->>2)::bigint, m.updated_at_ms) \
         FROM json_array_elements($1::json) AS j WHERE m.id = j.value->>0",
    )
    .bind(serde_json::Value::Array(changed).to_string())
    .execute(&mut **tx)
    .await?;
    super::events::insert(tx, &events).await
}
