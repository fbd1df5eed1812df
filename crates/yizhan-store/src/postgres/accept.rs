//! Accepts: one transaction per group of `accept`/`accept_batch` calls, idempotency settled by
//! the unique index, and a `NOTIFY` so the workers of every instance wake up for what this
//! instance's worker was not handed (see [`crate::handoff`]: dispatches picked for the hot path
//! are written `in_flight` under this instance's lease and queued for its worker after COMMIT).

use sqlx::{PgPool, Postgres, Row, Transaction};

use super::{conflict_on_unique, notify_due};
use crate::handoff::initial_status;
use crate::handoff::{HandoffSlot, Reservation};
use crate::record::parse_id;
use crate::{AcceptOutcome, DispatchStatus, NewMessage, StoreError};

/// Writes every batch in one transaction (all committed, or none); one result list per batch.
pub(super) async fn write(
    pool: &PgPool,
    handoff: &HandoffSlot,
    batches: &[&[NewMessage]],
) -> Result<Vec<Vec<AcceptOutcome>>, StoreError> {
    let hot = match handoff.current() {
        Some(h) => h.plan(batches),
        None => Reservation::none(),
    };
    let mut tx = pool.begin().await?;
    let mut out = Vec::with_capacity(batches.len());
    let mut left = false;
    let mut rows = Vec::new();
    for (b, batch) in batches.iter().enumerate() {
        let mut outcomes = Vec::with_capacity(batch.len());
        for (m, msg) in batch.iter().enumerate() {
            let outcome = insert(&mut tx, msg, |d| hot.is_hot(b, m, d), &hot, &mut rows).await?;
            left |= matches!(outcome, AcceptOutcome::Accepted(_))
                && (0..msg.dispatches.len()).any(|d| !hot.is_hot(b, m, d));
            outcomes.push(outcome);
        }
        out.push(outcomes);
    }
    let handed = super::hot::hand(&mut tx, rows, &hot).await?;
    if left {
        notify_due(&mut tx).await?;
    }
    tx.commit().await?;
    hot.deliver(handed);
    Ok(out)
}

/// Inserts one message unless its idempotency key is already taken, by this transaction or by
/// a committed one (a concurrent insert of the same key waits for the other to commit).
/// Dispatches for which `is_hot` holds are leased (see [`Reservation`]) and pushed to `leased`.
async fn insert<'a>(
    tx: &mut Transaction<'static, Postgres>,
    msg: &'a NewMessage,
    is_hot: impl Fn(usize) -> bool,
    hot: &Reservation,
    leased: &mut Vec<super::hot::HotRow<'a>>,
) -> Result<AcceptOutcome, StoreError> {
    let id = msg.id.to_string();
    let scheduled = msg.send_at_ms > msg.created_at_ms;
    let status = initial_status(scheduled, (0..msg.dispatches.len()).any(&is_hot));
    let inserted = sqlx::query(
        "INSERT INTO messages (id, channel, api_key, idem_key, idem_body_sha256, request, status, \
         scheduled, send_at_ms, expires_at_ms, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         ON CONFLICT ((coalesce(api_key, '')), idem_key) WHERE idem_key IS NOT NULL DO NOTHING",
    )
    .bind(&id)
    .bind(&msg.channel)
    .bind(&msg.api_key)
    .bind(msg.idempotency.as_ref().map(|i| i.key.as_str()))
    .bind(msg.idempotency.as_ref().map(|i| i.body_sha256.as_str()))
    .bind(msg.request.to_string())
    .bind(status.as_str())
    .bind(scheduled)
    .bind(msg.send_at_ms)
    .bind(msg.expires_at_ms)
    .bind(msg.created_at_ms)
    .execute(&mut **tx)
    .await
    .map_err(conflict_on_unique)?
    .rows_affected();
    if inserted == 0 {
        let idem = msg.idempotency.as_ref().ok_or_else(|| StoreError::Conflict(format!("message id {id}")))?;
        let row = sqlx::query(
            "SELECT id, idem_body_sha256 FROM messages \
             WHERE coalesce(api_key, '') = coalesce($1, '') AND idem_key = $2",
        )
        .bind(&msg.api_key)
        .bind(&idem.key)
        .fetch_one(&mut **tx)
        .await?;
        let first = parse_id(row.try_get("id")?)?;
        let hash: Option<String> = row.try_get("idem_body_sha256")?;
        return Ok(if hash.as_deref() == Some(idem.body_sha256.as_str()) {
            AcceptOutcome::Replayed(first)
        } else {
            AcceptOutcome::IdempotencyMismatch(first)
        });
    }
    for (seq, d) in msg.dispatches.iter().enumerate() {
        let recipients =
            serde_json::to_string(&d.recipients).map_err(|e| StoreError::Invalid(format!("recipients: {e}")))?;
        let token = is_hot(seq).then(crate::handoff::lease_token);
        let status = if token.is_some() { DispatchStatus::InFlight } else { DispatchStatus::Pending };
        let lease = token.as_ref().map(|_| (hot.owner(), hot.lease_until(msg.created_at_ms), msg.created_at_ms));
        let row: i64 = sqlx::query_scalar(
            "INSERT INTO dispatches (message_id, seq, endpoint, body, dedupe_id, recipients, status, \
             next_attempt_at_ms, updated_at_ms, after_seq, coalesce_key, dup_key, dup_window_ms, dup_suppress, \
             resend_safe, lease_owner, lease_token, lease_until_ms, claimed_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             RETURNING id",
        )
        .bind(&id)
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .bind(&d.endpoint)
        .bind(d.body.as_slice())
        .bind(&d.dedupe_id)
        .bind(recipients)
        .bind(status.as_str())
        .bind(msg.send_at_ms)
        .bind(msg.created_at_ms)
        .bind(d.after_seq)
        .bind(&d.coalesce_key)
        .bind(d.duplicate.as_ref().map(|g| g.key.as_str()))
        .bind(d.duplicate.as_ref().map(|g| g.window_ms))
        .bind(d.duplicate.as_ref().is_some_and(|g| g.suppress))
        .bind(d.resend_safe)
        .bind(lease.map(|l| l.0))
        .bind(token.as_deref())
        .bind(lease.map(|l| l.1))
        .bind(lease.map(|l| l.2))
        .fetch_one(&mut **tx)
        .await?;
        if let Some(token) = token {
            leased.push((msg, seq, row, token));
        }
    }
    super::events::insert(tx, &[crate::sql::events::MessageEvent::accepted(msg)]).await?;
    Ok(AcceptOutcome::Accepted(msg.id))
}
