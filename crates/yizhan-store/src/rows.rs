//! Row mapping both backends share: the `messages`, `dispatches` and `recipient_outcomes`
//! columns have the same names and Rust types on SQLite and PostgreSQL, so one generic function
//! per record reads them from either backend's rows. (Columns whose types differ, such as
//! booleans, stay with their backend.)

use std::collections::HashMap;

use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::{AttemptRecord, DispatchRecord, Handles, MessageRecord, RecipientOutcome, StoreError};

fn json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// A `recipient_outcomes` row.
pub(crate) fn recipient_outcome<'r, R>(r: &'r R) -> Result<RecipientOutcome, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(RecipientOutcome {
        recipient: r.try_get("recipient")?,
        outcome: r.try_get("outcome")?,
        detail: r.try_get("detail")?,
    })
}

/// A `dispatches` row, with its attempts and outcomes taken out of the maps read before.
pub(crate) fn dispatch_record<'r, R>(
    r: &'r R,
    attempts: &mut HashMap<i64, Vec<AttemptRecord>>,
    outcomes: &mut HashMap<i64, Vec<RecipientOutcome>>,
) -> Result<DispatchRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let id: i64 = r.try_get("id")?;
    let recipients: String = r.try_get("recipients")?;
    Ok(DispatchRecord {
        id,
        seq: r.try_get("seq")?,
        endpoint: r.try_get("endpoint")?,
        body: r.try_get("body")?,
        dedupe_id: r.try_get("dedupe_id")?,
        recipients: json("recipients", &recipients)?,
        after_seq: r.try_get("after_seq")?,
        status: r.try_get::<String, _>("status")?.parse()?,
        attempts: r.try_get("attempts")?,
        next_attempt_at_ms: r.try_get("next_attempt_at_ms")?,
        handles: Handles {
            msgid: r.try_get("msgid")?,
            response_code: r.try_get("response_code")?,
            taskid: r.try_get("taskid")?,
        },
        attempt_log: attempts.remove(&id).unwrap_or_default(),
        outcomes: outcomes.remove(&id).unwrap_or_default(),
    })
}

/// A `messages` row with its `dispatches`.
pub(crate) fn message_record<'r, R>(
    m: &'r R,
    id: yizhan_core::MessageId,
    dispatches: Vec<DispatchRecord>,
) -> Result<MessageRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let request: String = m.try_get("request")?;
    Ok(MessageRecord {
        id,
        channel: m.try_get("channel")?,
        api_key: m.try_get("api_key")?,
        request: json("request", &request)?,
        idempotency_key: m.try_get("idem_key")?,
        status: m.try_get::<String, _>("status")?.parse()?,
        send_at_ms: m.try_get("send_at_ms")?,
        expires_at_ms: m.try_get("expires_at_ms")?,
        created_at_ms: m.try_get("created_at_ms")?,
        updated_at_ms: m.try_get("updated_at_ms")?,
        dispatches,
    })
}

/// The status-derivation facts of a row with `status`, `attempts` and `failed` (the count of
/// its unsuccessful recipient outcomes) columns.
pub(crate) fn dispatch_facts<'r, R>(r: &'r R, status: &str) -> Result<crate::status::DispatchFacts, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(crate::status::DispatchFacts {
        status: status.parse::<crate::DispatchStatus>()?,
        attempts: r.try_get("attempts")?,
        failed_outcomes: r.try_get("failed")?,
    })
}
