//! Row mapping both backends share: the `messages`, `dispatches`, `attempts` and
//! `recipient_outcomes` columns have the same names and Rust types on SQLite and PostgreSQL
//! (SQLite's 0/1 integers decode as `bool` too), so one generic function per record reads them
//! from either backend's rows, and one builds a page of the message listing.

use std::collections::HashMap;

use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::record::{Cursor, parse_id};
use crate::{
    AttemptError, AttemptRecord, ClaimToken, ClaimedDispatch, DispatchRecord, Handles, MessageRecord, MessageSummary,
    Page, RecipientOutcome, StoreError,
};

fn json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// A claimed `dispatches` row, as a claim's `RETURNING` reads it, leased until
/// `lease_until_ms`, with its duplicate-guard key and window if this claim must check it (a
/// guarded dispatch claimed for the first time).
pub(crate) fn claimed_dispatch<'r, R>(
    r: &'r R,
    lease_until_ms: i64,
) -> Result<(ClaimedDispatch, Option<(String, i64)>), StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    let dispatch = ClaimedDispatch {
        claim: ClaimToken { dispatch_id: r.try_get("id")?, token: r.try_get("lease_token")? },
        message_id: parse_id(&r.try_get::<String, _>("message_id")?)?,
        channel: r.try_get("channel")?,
        seq: r.try_get("seq")?,
        endpoint: r.try_get("endpoint")?,
        body: r.try_get("body")?,
        dedupe_id: r.try_get("dedupe_id")?,
        recipients: json("recipients", &r.try_get::<String, _>("recipients")?)?,
        attempts: r.try_get("attempts")?,
        lease_until_ms,
        created_at_ms: r.try_get("created_at_ms")?,
        expires_at_ms: r.try_get("expires_at_ms")?,
        coalesce_key: r.try_get("coalesce_key")?,
        merged: r.try_get("merged")?,
        suppress_repeats: r.try_get("dup_suppress")?,
        repeat_of: None,
        resend_safe: r.try_get("resend_safe")?,
        upstream: upstream(r)?,
    };
    let guard = match r.try_get::<Option<String>, _>("dup_key")? {
        Some(key) if r.try_get::<bool, _>("dup_fresh")? => {
            Some((key, r.try_get::<Option<i64>, _>("dup_window_ms")?.unwrap_or(0)))
        }
        _ => None,
    };
    Ok((dispatch, guard))
}

/// The handles of a claimed dispatch's predecessor (`has_upstream`, `upstream_msgid`,
/// `upstream_response_code`, `upstream_taskid` of a claim's row): `None` for a dispatch that
/// waits for none.
pub(crate) fn upstream<'r, R>(r: &'r R) -> Result<Option<Handles>, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    if !r.try_get::<bool, _>("has_upstream")? {
        return Ok(None);
    }
    Ok(Some(Handles {
        msgid: r.try_get("upstream_msgid")?,
        response_code: r.try_get("upstream_response_code")?,
        taskid: r.try_get("upstream_taskid")?,
    }))
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
        outcomes: r.try_get("outcomes")?,
        reached: r.try_get("reached")?,
        suppressed: r.try_get("suppressed")?,
    })
}

/// An `attempts` row.
pub(crate) fn attempt_record<'r, R>(r: &'r R) -> Result<AttemptRecord, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
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

/// The page of a message listing from `rows`, read with a limit of `size + 1`: the extra row
/// only says that there is a next page.
pub(crate) fn summary_page<'r, R>(rows: &'r [R], size: usize) -> Result<Page, StoreError>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let more = rows.len() > size;
    let mut items = Vec::with_capacity(size);
    for r in rows.iter().take(size) {
        items.push(MessageSummary {
            id: parse_id(&r.try_get::<String, _>("id")?)?,
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
