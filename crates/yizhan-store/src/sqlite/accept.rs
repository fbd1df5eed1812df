//! Accepts on SQLite, inside the writer's group transaction: idempotency keys settled against
//! the store and the rest of the group, then the new messages and their dispatches with a few
//! multi-row INSERTs. Dispatches the group's [`Reservation`] picked for the hot path are written
//! `in_flight`, leased to the worker, and come back as [`Handed`] claims.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use yizhan_core::MessageId;

use crate::handoff::{Handed, Reservation, initial_status};
use crate::record::parse_id;
use crate::{AcceptOutcome, DispatchStatus, NewMessage, StoreError};

/// Messages per multi-row INSERT (17 parameters per dispatch, far below SQLite's variable limit).
const ROWS_PER_INSERT: usize = 400;

/// A message to insert, with its position in the group (batch, index) for the reservation.
type Fresh<'a> = (usize, usize, &'a NewMessage);

/// Inserts every message of `batches` unless its idempotency key is already taken (stored, or
/// by an earlier message of this group); one outcome list per batch, and the hot dispatches
/// leased in the same transaction. A reused message id fails the whole transaction with
/// `Conflict` (the caller then retries job by job, so only the batch holding it fails).
pub(crate) async fn insert_group(
    tx: &mut Transaction<'static, Sqlite>,
    batches: &[&[NewMessage]],
    hot: &Reservation,
) -> Result<(Vec<Vec<AcceptOutcome>>, Vec<Handed>), StoreError> {
    let mut out = Vec::with_capacity(batches.len());
    let mut fresh: Vec<Fresh<'_>> = Vec::new();
    // (api key, idempotency key) → (message id, body hash) of earlier messages of this group.
    let mut keys: HashMap<(Option<&str>, &str), (MessageId, &str)> = HashMap::new();
    for (b, batch) in batches.iter().enumerate() {
        let mut outcomes = Vec::with_capacity(batch.len());
        for (m, msg) in batch.iter().enumerate() {
            if let Some(idem) = &msg.idempotency {
                let slot = (msg.api_key.as_deref(), idem.key.as_str());
                let earlier = match keys.get(&slot) {
                    Some((id, hash)) => Some((*id, Some((*hash).to_owned()))),
                    None => stored_key(tx, msg.api_key.as_deref(), &idem.key).await?,
                };
                if let Some((id, hash)) = earlier {
                    outcomes.push(if hash.as_deref() == Some(idem.body_sha256.as_str()) {
                        AcceptOutcome::Replayed(id)
                    } else {
                        AcceptOutcome::IdempotencyMismatch(id)
                    });
                    continue;
                }
                keys.insert(slot, (msg.id, idem.body_sha256.as_str()));
            }
            fresh.push((b, m, msg));
            outcomes.push(AcceptOutcome::Accepted(msg.id));
        }
        out.push(outcomes);
    }
    insert_messages(tx, &fresh, hot).await?;
    let rows = insert_dispatches(tx, &fresh, hot).await?;
    let accepted: Vec<_> = fresh.iter().map(|(_, _, m)| crate::sql::events::MessageEvent::accepted(m)).collect();
    super::events::insert(tx, &accepted).await?;
    let handed = super::hot::hand(tx, rows, hot).await?;
    Ok((out, handed))
}

/// The stored message holding `key` for `api_key`, with its body hash.
async fn stored_key(
    tx: &mut Transaction<'static, Sqlite>,
    api_key: Option<&str>,
    key: &str,
) -> Result<Option<(MessageId, Option<String>)>, StoreError> {
    let found = sqlx::query(
        "SELECT id, idem_body_sha256 FROM messages WHERE coalesce(api_key, '') = coalesce(?1, '') AND idem_key = ?2",
    )
    .bind(api_key)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    found.map(|row| Ok((parse_id(row.try_get("id")?)?, row.try_get("idem_body_sha256")?))).transpose()
}

async fn insert_messages(
    tx: &mut Transaction<'static, Sqlite>,
    msgs: &[Fresh<'_>],
    hot: &Reservation,
) -> Result<(), StoreError> {
    for chunk in msgs.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (id, channel, api_key, idem_key, idem_body_sha256, request, status, \
             scheduled, send_at_ms, expires_at_ms, created_at_ms, updated_at_ms) ",
        );
        q.push_values(chunk, |mut b, (bi, mi, msg)| {
            let scheduled = msg.send_at_ms > msg.created_at_ms;
            let leased = (0..msg.dispatches.len()).any(|d| hot.is_hot(*bi, *mi, d));
            let status = initial_status(scheduled, leased);
            b.push_bind(msg.id.to_string())
                .push_bind(msg.channel.as_str())
                .push_bind(msg.api_key.as_deref())
                .push_bind(msg.idempotency.as_ref().map(|i| i.key.as_str()))
                .push_bind(msg.idempotency.as_ref().map(|i| i.body_sha256.as_str()))
                .push_bind(msg.request.to_string())
                .push_bind(status.as_str())
                .push_bind(scheduled)
                .push_bind(msg.send_at_ms)
                .push_bind(msg.expires_at_ms)
                .push_bind(msg.created_at_ms)
                .push_bind(msg.created_at_ms);
        });
        q.build().execute(&mut **tx).await.map_err(|e| reused_id(e, chunk))?;
    }
    Ok(())
}

/// Inserts the dispatches of `msgs`; returns the hot ones as (message, seq, row id, token).
async fn insert_dispatches<'a>(
    tx: &mut Transaction<'static, Sqlite>,
    msgs: &[Fresh<'a>],
    hot: &Reservation,
) -> Result<Vec<super::hot::HotRow<'a>>, StoreError> {
    let mut rows = Vec::new();
    for (bi, mi, msg) in msgs {
        for (seq, d) in msg.dispatches.iter().enumerate() {
            let recipients =
                serde_json::to_string(&d.recipients).map_err(|e| StoreError::Invalid(format!("recipients: {e}")))?;
            let token = hot.is_hot(*bi, *mi, seq).then(crate::handoff::lease_token);
            rows.push((*msg, seq, d, recipients, token));
        }
    }
    let mut leased = Vec::new();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO dispatches (message_id, seq, endpoint, body, dedupe_id, recipients, status, \
             next_attempt_at_ms, updated_at_ms, after_seq, coalesce_key, dup_key, dup_window_ms, dup_suppress, \
             resend_safe, lease_owner, lease_token, lease_until_ms, claimed_at_ms) ",
        );
        q.push_values(chunk, |mut b, (msg, seq, d, recipients, token)| {
            let status = if token.is_some() { DispatchStatus::InFlight } else { DispatchStatus::Pending };
            let lease = token.as_ref().map(|_| (hot.owner(), hot.lease_until(msg.created_at_ms), msg.created_at_ms));
            b.push_bind(msg.id.to_string())
                .push_bind(i64::try_from(*seq).unwrap_or(i64::MAX))
                .push_bind(d.endpoint.as_str())
                .push_bind(d.body.as_slice())
                .push_bind(d.dedupe_id.as_deref())
                .push_bind(recipients.as_str())
                .push_bind(status.as_str())
                .push_bind(msg.send_at_ms)
                .push_bind(msg.created_at_ms)
                .push_bind(d.after_seq)
                .push_bind(d.coalesce_key.as_deref())
                .push_bind(d.duplicate.as_ref().map(|g| g.key.as_str()))
                .push_bind(d.duplicate.as_ref().map(|g| g.window_ms))
                .push_bind(d.duplicate.as_ref().is_some_and(|g| g.suppress))
                .push_bind(d.resend_safe)
                .push_bind(lease.map(|l| l.0))
                .push_bind(token.as_deref())
                .push_bind(lease.map(|l| l.1))
                .push_bind(lease.map(|l| l.2));
        });
        if hot.is_empty() {
            q.build().execute(&mut **tx).await?;
            continue;
        }
        q.push(" RETURNING id, lease_token");
        let ids: HashMap<String, i64> = q
            .build()
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .filter_map(|r| Some((r.try_get::<Option<String>, _>("lease_token").ok()??, r.try_get("id").ok()?)))
            .collect();
        for (msg, seq, _, _, token) in chunk {
            if let Some(token) = token {
                let id = *ids.get(token).ok_or_else(|| StoreError::Invalid("a leased dispatch vanished".into()))?;
                leased.push((*msg, *seq, id, token.clone()));
            }
        }
    }
    Ok(leased)
}

/// `Conflict` for an INSERT that failed on a message id already stored (or given twice).
fn reused_id(e: sqlx::Error, chunk: &[Fresh<'_>]) -> StoreError {
    let reused = e.as_database_error().is_some_and(|d| d.is_unique_violation() && d.message().contains("messages.id"));
    if reused {
        StoreError::Conflict(match chunk {
            [(_, _, one)] => format!("message id {} already exists", one.id),
            _ => format!("one of {} message ids already exists", chunk.len()),
        })
    } else {
        e.into()
    }
}
