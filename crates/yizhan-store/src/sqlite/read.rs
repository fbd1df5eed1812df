//! Reads: one message with its whole history, and filtered pages of messages.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use yizhan_core::MessageId;

use super::SqliteStore;
use crate::record::{Cursor, parse_id};
use crate::{
    AttemptError, AttemptRecord, DispatchRecord, Handles, ListFilter, MessageRecord, MessageSummary, Page,
    RecipientOutcome, StoreError,
};

impl SqliteStore {
    /// The message with its dispatches, attempts, outcomes and handles; `None` if unknown.
    pub async fn message(&self, id: MessageId) -> Result<Option<MessageRecord>, StoreError> {
        let key = id.to_string();
        // One read transaction, so the message and its history come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        let Some(m) = sqlx::query("SELECT * FROM messages WHERE id = ?1").bind(&key).fetch_optional(&mut *tx).await?
        else {
            return Ok(None);
        };
        let mut attempts: HashMap<i64, Vec<AttemptRecord>> = HashMap::new();
        let rows = sqlx::query(
            "SELECT a.* FROM attempts a JOIN dispatches d ON d.id = a.dispatch_id \
             WHERE d.message_id = ?1 ORDER BY a.dispatch_id, a.number",
        )
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            attempts.entry(r.try_get("dispatch_id")?).or_default().push(attempt(&r)?);
        }
        let mut outcomes: HashMap<i64, Vec<RecipientOutcome>> = HashMap::new();
        let rows = sqlx::query(
            "SELECT o.* FROM recipient_outcomes o JOIN dispatches d ON d.id = o.dispatch_id \
             WHERE d.message_id = ?1 ORDER BY o.dispatch_id, o.recipient",
        )
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            outcomes.entry(r.try_get("dispatch_id")?).or_default().push(RecipientOutcome {
                recipient: r.try_get("recipient")?,
                outcome: r.try_get("outcome")?,
                detail: r.try_get("detail")?,
            });
        }
        let rows = sqlx::query("SELECT * FROM dispatches WHERE message_id = ?1 ORDER BY seq")
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
        let mut dispatches = Vec::with_capacity(rows.len());
        for r in rows {
            let did: i64 = r.try_get("id")?;
            let recipients: String = r.try_get("recipients")?;
            dispatches.push(DispatchRecord {
                id: did,
                seq: r.try_get("seq")?,
                endpoint: r.try_get("endpoint")?,
                body: r.try_get("body")?,
                dedupe_id: r.try_get("dedupe_id")?,
                recipients: serde_json::from_str(&recipients)
                    .map_err(|e| StoreError::Corrupt(format!("recipients: {e}")))?,
                status: r.try_get::<String, _>("status")?.parse()?,
                attempts: r.try_get("attempts")?,
                next_attempt_at_ms: r.try_get("next_attempt_at_ms")?,
                handles: Handles {
                    msgid: r.try_get("msgid")?,
                    response_code: r.try_get("response_code")?,
                    taskid: r.try_get("taskid")?,
                },
                attempt_log: attempts.remove(&did).unwrap_or_default(),
                outcomes: outcomes.remove(&did).unwrap_or_default(),
            });
        }
        tx.commit().await?;
        let request: String = m.try_get("request")?;
        Ok(Some(MessageRecord {
            id,
            channel: m.try_get("channel")?,
            api_key: m.try_get("api_key")?,
            request: serde_json::from_str(&request).map_err(|e| StoreError::Corrupt(format!("request: {e}")))?,
            idempotency_key: m.try_get("idem_key")?,
            status: m.try_get::<String, _>("status")?.parse()?,
            send_at_ms: m.try_get("send_at_ms")?,
            expires_at_ms: m.try_get("expires_at_ms")?,
            created_at_ms: m.try_get("created_at_ms")?,
            updated_at_ms: m.try_get("updated_at_ms")?,
            dispatches,
        }))
    }

    /// A page of messages matching `filter`, newest first (by creation time, then id).
    pub async fn list(&self, filter: &ListFilter) -> Result<Page, StoreError> {
        let cursor = filter.cursor.as_deref().map(Cursor::decode).transpose()?;
        let size = filter.page_size();
        let rows = sqlx::query(
            "SELECT id, channel, status, created_at_ms, send_at_ms, updated_at_ms FROM messages \
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR channel = ?2) \
               AND (?3 IS NULL OR created_at_ms >= ?3) AND (?4 IS NULL OR created_at_ms < ?4) \
               AND (?5 IS NULL OR created_at_ms < ?5 OR (created_at_ms = ?5 AND id < ?6)) \
             ORDER BY created_at_ms DESC, id DESC LIMIT ?7",
        )
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.channel.as_deref())
        .bind(filter.since_ms)
        .bind(filter.until_ms)
        .bind(cursor.as_ref().map(|c| c.created_at_ms))
        .bind(cursor.as_ref().map(|c| c.id.as_str()))
        .bind(i64::try_from(size + 1).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > size;
        let mut items = Vec::with_capacity(size);
        for r in rows.into_iter().take(size) {
            items.push(MessageSummary {
                id: parse_id(r.try_get("id")?)?,
                channel: r.try_get("channel")?,
                status: r.try_get::<String, _>("status")?.parse()?,
                created_at_ms: r.try_get("created_at_ms")?,
                send_at_ms: r.try_get("send_at_ms")?,
                updated_at_ms: r.try_get("updated_at_ms")?,
            });
        }
        let next_cursor = match items.last() {
            Some(last) if more => Some(Cursor { created_at_ms: last.created_at_ms, id: last.id.to_string() }.encode()),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }
}

fn attempt(r: &SqliteRow) -> Result<AttemptRecord, StoreError> {
    let kind: Option<String> = r.try_get("error_kind")?;
    let error = match kind {
        Some(kind) => Some(AttemptError {
            kind,
            code: r.try_get("error_code")?,
            message: r.try_get::<Option<String>, _>("error_message")?.unwrap_or_default(),
            ambiguous: r.try_get("ambiguous")?,
        }),
        None => None,
    };
    Ok(AttemptRecord {
        number: r.try_get("number")?,
        at_ms: r.try_get("at_ms")?,
        duration_ms: r.try_get("duration_ms")?,
        result: r.try_get("result")?,
        counted: r.try_get("counted")?,
        error,
    })
}
