//! The event log (`events` table, docs/events.md), written once for both backends.
//!
//! Write paths call [`events!`]'s functions inside their own transaction, so an event exists
//! exactly when the change it describes committed:
//!
//! | function | called by | events |
//! |---|---|---|
//! | `insert` | accepts, status refreshes, cancel, recall, replay | `message.*` of a stored message |
//! | `outcomes` | the flush of completions | one `recipient.outcome` per recorded outcome |
//! | `record_event` (a transaction of its own) | callbacks and receipts ([`crate::Store::record_event`]) | `card.clicked`, `wecom.callback`, `getui.receipt` |
//!
//! Rows get their public position (`pos`) only when published ([`crate::Store::publish_events`]):
//! one transaction at a time numbers every committed unpublished row after the highest
//! position, in id order. A reader that read up to position p can therefore never later find a
//! committed event below p, which ids alone do not give on PostgreSQL (two transactions commit
//! in any order whatever ids they drew).

use crate::{MessageStatus, StoreError};

/// The event types, as stored and as shown to subscribers.
pub mod kind {
    /// A message was stored (`accepted` or `scheduled`).
    pub const ACCEPTED: &str = "message.accepted";
    /// Every recipient reached.
    pub const DELIVERED: &str = "message.delivered";
    /// Finished; some recipients reached, some not.
    pub const PARTIALLY_DELIVERED: &str = "message.partially_delivered";
    /// Waiting without using an attempt (rate limit, quota).
    pub const DEFERRED: &str = "message.deferred";
    /// A dispatch failed transiently and waits for its next attempt, or a dead message was replayed.
    pub const RETRYING: &str = "message.retrying";
    /// Nothing sent again: every recipient got an identical message within the duplicate window
    /// and the caller asked for dedupe.
    pub const SUPPRESSED_DUPLICATE: &str = "message.suppressed_duplicate";
    /// Finished with no recipient reached.
    pub const DEAD: &str = "message.dead";
    /// Not sent before its `expires_at`.
    pub const EXPIRED: &str = "message.expired";
    /// Cancelled before anything was sent.
    pub const CANCELLED: &str = "message.cancelled";
    /// Recalled or revoked at the provider.
    pub const RECALLED: &str = "message.recalled";
    /// The provider's verdict for one recipient.
    pub const RECIPIENT_OUTCOME: &str = "recipient.outcome";
    /// A WeCom template-card button was clicked.
    pub const CARD_CLICKED: &str = "card.clicked";
    /// Any other decrypted WeCom callback.
    pub const WECOM_CALLBACK: &str = "wecom.callback";
    /// A Getui receipt line.
    pub const GETUI_RECEIPT: &str = "getui.receipt";
    /// An alert group was acknowledged from its WeCom card.
    pub const ALERT_ACKNOWLEDGED: &str = "alert.acknowledged";
    /// A silence was created in Alertmanager from an alert group's WeCom card.
    pub const ALERT_SILENCED: &str = "alert.silenced";
    /// Every type, in the order of docs/events.md.
    pub const ALL: &[&str] = &[
        ACCEPTED,
        DELIVERED,
        PARTIALLY_DELIVERED,
        DEFERRED,
        RETRYING,
        SUPPRESSED_DUPLICATE,
        DEAD,
        EXPIRED,
        CANCELLED,
        RECALLED,
        RECIPIENT_OUTCOME,
        CARD_CLICKED,
        WECOM_CALLBACK,
        GETUI_RECEIPT,
        ALERT_ACKNOWLEDGED,
        ALERT_SILENCED,
    ];
}

/// The event type announcing that a message moved to `status`, if that move is announced
/// (`dispatching` is not: it is the worker picking the message up, not a result; `accepted` and
/// `scheduled` are announced once, when the message is stored).
pub(crate) fn status_kind(status: MessageStatus) -> Option<&'static str> {
    match status {
        MessageStatus::Delivered => Some(kind::DELIVERED),
        MessageStatus::PartiallyDelivered => Some(kind::PARTIALLY_DELIVERED),
        MessageStatus::Deferred => Some(kind::DEFERRED),
        MessageStatus::Retrying => Some(kind::RETRYING),
        MessageStatus::Dead => Some(kind::DEAD),
        MessageStatus::SuppressedDuplicate => Some(kind::SUPPRESSED_DUPLICATE),
        MessageStatus::Expired => Some(kind::EXPIRED),
        MessageStatus::Cancelled => Some(kind::CANCELLED),
        MessageStatus::Recalled => Some(kind::RECALLED),
        MessageStatus::Accepted | MessageStatus::Scheduled | MessageStatus::Dispatching => None,
    }
}

/// One `message.*` event of a stored message; its channel and API key are read from the
/// message row by the insert.
#[derive(Debug, Clone)]
pub(crate) struct MessageEvent {
    pub(crate) kind: &'static str,
    pub(crate) message_id: String,
    pub(crate) at_ms: i64,
    pub(crate) data: serde_json::Value,
}

impl MessageEvent {
    /// The event of message `id` moving from `from` to `to`, if that move is announced.
    pub(crate) fn status_change(id: &str, from: MessageStatus, to: MessageStatus, at_ms: i64) -> Option<Self> {
        let kind = status_kind(to)?;
        Some(MessageEvent {
            kind,
            message_id: id.to_owned(),
            at_ms,
            data: serde_json::json!({"status": to.as_str(), "previous": from.as_str()}),
        })
    }
}

impl MessageEvent {
    /// The `message.accepted` event of a message being stored.
    pub(crate) fn accepted(msg: &crate::NewMessage) -> Self {
        let status =
            if msg.send_at_ms > msg.created_at_ms { MessageStatus::Scheduled } else { MessageStatus::Accepted };
        MessageEvent {
            kind: kind::ACCEPTED,
            message_id: msg.id.to_string(),
            at_ms: msg.created_at_ms,
            data: serde_json::json!({"status": status.as_str(), "send_at_ms": msg.send_at_ms}),
        }
    }
}

/// The time of an event whose cause named none (a status refresh without `now_ms`).
pub(crate) fn now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// Rows per multi-row event INSERT (4 parameters each).
pub(crate) const ROWS_PER_INSERT: usize = 200;

/// The data of a `recipient.outcome` event.
pub(crate) fn outcome_data(o: &crate::RecipientOutcome) -> String {
    serde_json::json!({"recipient": o.recipient, "outcome": o.outcome, "detail": o.detail}).to_string()
}

/// A JSON error as a store error.
/// An event row (`pos`, `kind`, `message_id`, `channel`, `at_ms`, `data`) of either backend.
pub(crate) fn record<'r, R>(r: &'r R) -> Result<crate::EventRecord, StoreError>
where
    R: sqlx::Row,
    &'static str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let data: String = r.try_get("data")?;
    let message_id: Option<String> = r.try_get("message_id")?;
    Ok(crate::EventRecord {
        id: r.try_get("pos")?,
        kind: r.try_get("kind")?,
        message_id: message_id.as_deref().map(crate::record::parse_id).transpose()?,
        channel: r.try_get("channel")?,
        at_ms: r.try_get("at_ms")?,
        data: serde_json::from_str(&data).map_err(invalid)?,
    })
}

pub(crate) fn invalid(e: serde_json::Error) -> StoreError {
    StoreError::Invalid(format!("event data: {e}"))
}

/// `insert` and `outcomes` (inside a caller's transaction) and the store's `publish_events`,
/// `events_after`, `last_event_pos` and `record_event` on `$store`/`$db`. `$lock` serialises
/// publishers (PostgreSQL: a transaction-level advisory lock; SQLite: the write lock its
/// `begin_write` already holds, so a plain `SELECT 1`); `list = (open, close)` wraps a bound JSON
/// array of strings into a table function yielding rows named `value`.
macro_rules! events {
    ($store:ident, $db:ty, lock = $lock:literal, list = ($open:literal, $close:literal)) => {
        /// Inserts `events` of stored messages inside `tx`, in order.
        pub(crate) async fn insert(
            tx: &mut sqlx::Transaction<'static, $db>,
            events: &[$crate::sql::events::MessageEvent],
        ) -> Result<(), $crate::StoreError> {
            for chunk in events.chunks($crate::sql::events::ROWS_PER_INSERT) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO events (kind, message_id, channel, api_key, at_ms, data) \
                     SELECT v.column2, m.id, m.channel, m.api_key, v.column3, v.column4 FROM (VALUES ",
                );
                let mut rows = q.separated(", ");
                for (i, e) in chunk.iter().enumerate() {
                    rows.push("(");
                    rows.push_bind_unseparated(i64::try_from(i).unwrap_or(i64::MAX));
                    rows.push_unseparated(", ");
                    rows.push_bind_unseparated(e.kind);
                    rows.push_unseparated(", ");
                    rows.push_bind_unseparated(e.at_ms);
                    rows.push_unseparated(", ");
                    rows.push_bind_unseparated(e.data.to_string());
                    rows.push_unseparated(", ");
                    rows.push_bind_unseparated(e.message_id.as_str());
                    rows.push_unseparated(")");
                }
                q.push(") AS v JOIN messages m ON m.id = v.column5 ORDER BY v.column1");
                q.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// Inserts one `recipient.outcome` event per outcome of `rows` (the completion rows
        /// being flushed in `tx`).
        pub(crate) async fn outcomes(
            tx: &mut sqlx::Transaction<'static, $db>,
            rows: &$crate::sql::complete::Rows,
        ) -> Result<(), $crate::StoreError> {
            let outcomes = rows.last_outcomes();
            for chunk in outcomes.chunks($crate::sql::events::ROWS_PER_INSERT) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO events (kind, message_id, channel, api_key, at_ms, data) \
                     SELECT 'recipient.outcome', m.id, m.channel, m.api_key, v.column3, v.column4 FROM (VALUES ",
                );
                let mut values = q.separated(", ");
                for (i, (dispatch_id, outcome, at_ms)) in chunk.iter().enumerate() {
                    values.push("(");
                    values.push_bind_unseparated(i64::try_from(i).unwrap_or(i64::MAX));
                    values.push_unseparated(", ");
                    values.push_bind_unseparated(*dispatch_id);
                    values.push_unseparated(", ");
                    values.push_bind_unseparated(*at_ms);
                    values.push_unseparated(", ");
                    values.push_bind_unseparated($crate::sql::events::outcome_data(outcome));
                    values.push_unseparated(")");
                }
                q.push(
                    ") AS v JOIN dispatches d ON d.id = v.column2 JOIN messages m ON m.id = d.message_id \
                     ORDER BY v.column1",
                );
                q.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        impl $store {
            /// Gives every committed unpublished event its position, after the highest one, in
            /// id order (at most `limit` per call); returns how many were published.
            pub(crate) async fn publish_events(&self, limit: i64) -> Result<u64, $crate::StoreError> {
                let pending: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM events WHERE pos IS NULL ORDER BY id LIMIT 1")
                        .fetch_optional(&self.pool)
                        .await?;
                if pending.is_none() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                sqlx::query($lock).execute(&mut *tx).await?;
                let done = sqlx::query(
                    "UPDATE events SET pos = p.base + p.n \
                     FROM (SELECT e.id, row_number() OVER (ORDER BY e.id) AS n, \
                             (SELECT coalesce(max(pos), 0) FROM events) AS base \
                           FROM events e WHERE e.pos IS NULL ORDER BY e.id LIMIT $1) AS p \
                     WHERE events.id = p.id",
                )
                .bind(limit)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(done)
            }

            /// Published events after position `after`, oldest first, at most `limit`, that
            /// pass `filter`.
            pub(crate) async fn events_after(
                &self,
                after: i64,
                limit: i64,
                filter: &$crate::EventFilter,
            ) -> Result<Vec<$crate::EventRecord>, $crate::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT pos, kind, message_id, channel, at_ms, data FROM events WHERE pos > ",
                );
                q.push_bind(after);
                if let Some(channels) = &filter.channels {
                    q.push(concat!(" AND channel IN (SELECT value FROM ", $open));
                    q.push_bind(serde_json::to_string(channels).map_err($crate::sql::events::invalid)?);
                    q.push(concat!($close, ")"));
                }
                if let Some(kinds) = &filter.kinds {
                    q.push(concat!(" AND kind IN (SELECT value FROM ", $open));
                    q.push_bind(serde_json::to_string(kinds).map_err($crate::sql::events::invalid)?);
                    q.push(concat!($close, ")"));
                }
                if let Some(id) = &filter.message_id {
                    q.push(" AND message_id = ");
                    q.push_bind(id.to_string());
                }
                q.push(" ORDER BY pos LIMIT ");
                q.push_bind(limit);
                let rows = q.build().fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push($crate::sql::events::record(r)?);
                }
                Ok(out)
            }

            /// The highest published position (0 before the first).
            pub(crate) async fn last_event_pos(&self) -> Result<i64, $crate::StoreError> {
                Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT max(pos) FROM events")
                    .fetch_one(&self.pool)
                    .await?
                    .unwrap_or(0))
            }

            /// Stores an event not caused by a message's state change (a callback, a receipt).
            pub(crate) async fn record_event(&self, event: $crate::NewEvent) -> Result<(), $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO events (kind, message_id, channel, api_key, at_ms, data) \
                     VALUES ($1, $2, $3, (SELECT api_key FROM messages WHERE id = $2), $4, $5)",
                )
                .bind(event.kind)
                .bind(event.message_id.map(|id| id.to_string()))
                .bind(&event.channel)
                .bind(event.at_ms)
                .bind(event.data.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use events;
