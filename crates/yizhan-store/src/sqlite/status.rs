//! Keeps `messages.status` in step with the message's dispatches, inside the caller's
//! transaction: the shared SQL of [`crate::sql::status`] (no row locks: one writer at a time),
//! and [`refresh_all`], which derives the statuses of a whole completion group at once.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use sqlx::{Row, Sqlite, Transaction};

use crate::status::OUTCOME_COUNTS;
use crate::{MessageStatus, StoreError};

crate::sql::status::status!(sqlx::Sqlite, lock = "");

/// [`refresh`] for many messages at once: one query reads the facts of all of them, one
/// statement stores the statuses that changed. `touched` maps a message id to the time that
/// becomes its `updated_at_ms` if its status changes (`None`: left as is).
pub(crate) async fn refresh_all(
    tx: &mut Transaction<'static, Sqlite>,
    touched: &BTreeMap<String, Option<i64>>,
) -> Result<(), StoreError> {
    if touched.is_empty() {
        return Ok(());
    }
    if touched.len() == 1 {
        if let Some((id, now_ms)) = touched.iter().next() {
            refresh(tx, id, *now_ms).await?;
        }
        return Ok(());
    }
    let ids = serde_json::to_string(&touched.keys().collect::<Vec<_>>())
        .map_err(|e| StoreError::Invalid(format!("message ids: {e}")))?;
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT m.id, m.status AS current, m.scheduled, d.status, d.attempts, {OUTCOME_COUNTS} \
             FROM messages m LEFT JOIN dispatches d ON d.message_id = m.id \
             WHERE m.id IN (SELECT value FROM json_each(?1)) ORDER BY m.id"
        )
    });
    let rows = sqlx::query(SQL.as_str()).bind(ids).fetch_all(&mut **tx).await?;
    let mut found = crate::sql::status::Found::new();
    for r in rows {
        let id: String = r.try_get("id")?;
        let entry = match found.entry(id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let current: MessageStatus = r.try_get::<String, _>("current")?.parse()?;
                e.insert((current, r.try_get("scheduled")?, Vec::new()))
            }
        };
        if let Some(status) = r.try_get::<Option<String>, _>("status")? {
            entry.2.push(crate::rows::dispatch_facts(&r, &status)?);
        }
    }
    let (changed, events) = crate::sql::status::changes(&found, touched)?;
    if changed.is_empty() {
        return Ok(());
    }
    super::events::insert(tx, &events).await?;
    let changed = serde_json::Value::Array(changed).to_string();
    sqlx::query(
        "UPDATE messages SET status = json_extract(j.value, '$[1]'), \
           updated_at_ms = coalesce(json_extract(j.value, '$[2]'), messages.updated_at_ms) \
         FROM json_each(?1) AS j WHERE messages.id = json_extract(j.value, '$[0]')",
    )
    .bind(changed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
