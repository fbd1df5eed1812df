//! Reads on PostgreSQL: one message with its whole history, and filtered pages of messages.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::postgres::PgRow;
use yizhan_core::MessageId;

use super::PgStore;
use crate::record::{Cursor, parse_id};
use crate::{
    AttemptError, AttemptRecord, ListFilter, MessageRecord, MessageSummary, Page, RecipientOutcome, StoreError,
};

impl PgStore {
    /// The message with its dispatches, attempts, outcomes and handles; `None` if unknown.
    pub async fn message(&self, id: MessageId) -> Result<Option<MessageRecord>, StoreError> {
        let key = id.to_string();
        // One snapshot for the message and its history (READ COMMITTED would take one per query).
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
        let Some(m) = sqlx::query("SELECT * FROM messages WHERE id = $1").bind(&key).fetch_optional(&mut *tx).await?
        else {
            return Ok(None);
        };
        let mut attempts: HashMap<i64, Vec<AttemptRecord>> = HashMap::new();
        let rows = sqlx::query(
            "SELECT a.* FROM attempts a JOIN dispatches d ON d.id = a.dispatch_id \
             WHERE d.message_id = $1 ORDER BY a.dispatch_id, a.number",
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
             WHERE d.message_id = $1 ORDER BY o.dispatch_id, o.recipient",
        )
        .bind(&key)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            outcomes.entry(r.try_get("dispatch_id")?).or_default().push(crate::rows::recipient_outcome(&r)?);
        }
        let rows = sqlx::query("SELECT * FROM dispatches WHERE message_id = $1 ORDER BY seq")
            .bind(&key)
            .fetch_all(&mut *tx)
            .await?;
        let mut dispatches = Vec::with_capacity(rows.len());
        for r in &rows {
            dispatches.push(crate::rows::dispatch_record(r, &mut attempts, &mut outcomes)?);
        }
        tx.commit().await?;
        Ok(Some(crate::rows::message_record(&m, id, dispatches)?))
    }

    /// The body hash stored with any message of `api_key` whose idempotency key starts with
    /// `key_prefix` (batches store one derived key per item under a common prefix).
    pub async fn idempotency_hash(
        &self,
        api_key: Option<&str>,
        key_prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        let hash: Option<Option<String>> = sqlx::query_scalar(
            "SELECT idem_body_sha256 FROM messages WHERE coalesce(api_key, '') = coalesce($1, '') \
               AND idem_key IS NOT NULL AND left(idem_key, char_length($2)) = $2 LIMIT 1",
        )
        .bind(api_key)
        .bind(key_prefix)
        .fetch_optional(&self.pool)
        .await?;
        Ok(hash.flatten())
    }

    /// A page of messages matching `filter`, newest first (by creation time, then id).
    pub async fn list(&self, filter: &ListFilter) -> Result<Page, StoreError> {
        let cursor = filter.cursor.as_deref().map(Cursor::decode).transpose()?;
        let size = filter.page_size();
        let rows = sqlx::query(
            "SELECT id, channel, status, created_at_ms, send_at_ms, updated_at_ms FROM messages \
             WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR channel = $2) \
               AND ($3 IS NULL OR created_at_ms >= $3) AND ($4 IS NULL OR created_at_ms < $4) \
               AND ($5 IS NULL OR created_at_ms < $5 OR (created_at_ms = $5 AND id < $6)) \
             ORDER BY created_at_ms DESC, id DESC LIMIT $7",
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

fn attempt(r: &PgRow) -> Result<AttemptRecord, StoreError> {
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
