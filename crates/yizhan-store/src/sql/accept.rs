//! Accepts, written once: a group of `accept`/`accept_batch` calls stored in the writer's one
//! transaction with a few multi-row statements.
//!
//! 1. Idempotency keys repeated within the group are settled here ([`settle_keys`]): the first
//!    message with a key is stored, a later one with the same key replays it (same body hash) or
//!    is refused as a mismatch.
//! 2. The messages are inserted `ON CONFLICT DO NOTHING RETURNING id`. A message not returned
//!    met a unique index: its idempotency key is already stored (by an earlier group, or, on
//!    PostgreSQL, by another instance's transaction, which the insert waited for), and is then
//!    looked up, all such keys in one read; a message without a stored key reused a message id,
//!    which fails the whole transaction with `Conflict` (the writer then retries job by job, so
//!    only the batch holding it fails).
//! 3. The stored messages' dispatches are inserted; those the group's [`Reservation`] picked for
//!    the hot path are written `in_flight`, leased to the worker, and come back as
//!    [`crate::handoff::Handed`] claims, their duplicate guards decided before the INSERT, which
//!    writes the windows that open (one read for the group, [`crate::sql::hot`]).
//! 4. The `message.accepted` events (and `dispatching` for a leased message) are inserted.
//!
//! [`Reservation`]: crate::handoff::Reservation

use std::collections::HashMap;

use yizhan_core::MessageId;

use crate::{AcceptOutcome, NewMessage};

/// Messages (or dispatches) per multi-row INSERT (20 parameters per dispatch: far below both
/// databases' limits).
pub(crate) const ROWS_PER_INSERT: usize = 400;

/// A message to insert, with its position in the group (batch, index) for the reservation.
pub(crate) type Fresh<'a> = (usize, usize, &'a NewMessage);

/// The outcome of each message of `batches` as far as the group alone can tell (`Accepted`, or
/// the replay / mismatch of an earlier message of the group with the same key), and the
/// messages to insert.
pub(crate) fn settle_keys<'a>(batches: &[&'a [NewMessage]]) -> (Vec<Vec<AcceptOutcome>>, Vec<Fresh<'a>>) {
    let mut out = Vec::with_capacity(batches.len());
    let mut fresh = Vec::new();
    // (api key, idempotency key) → (message id, body hash) of earlier messages of this group.
    let mut keys: HashMap<(Option<&str>, &str), (MessageId, &str)> = HashMap::new();
    for (b, batch) in batches.iter().enumerate() {
        let mut outcomes = Vec::with_capacity(batch.len());
        for (m, msg) in batch.iter().enumerate() {
            if let Some(idem) = &msg.idempotency {
                let slot = (msg.api_key.as_deref(), idem.key.as_str());
                if let Some((id, hash)) = keys.get(&slot) {
                    outcomes.push(replay(*id, Some(hash), &idem.body_sha256));
                    continue;
                }
                keys.insert(slot, (msg.id, idem.body_sha256.as_str()));
            }
            fresh.push((b, m, msg));
            outcomes.push(AcceptOutcome::Accepted(msg.id));
        }
        out.push(outcomes);
    }
    (out, fresh)
}

/// What a message whose key is held by message `first` (stored with `stored_hash`) comes to.
pub(crate) fn replay(first: MessageId, stored_hash: Option<&str>, body_sha256: &str) -> AcceptOutcome {
    if stored_hash == Some(body_sha256) {
        AcceptOutcome::Replayed(first)
    } else {
        AcceptOutcome::IdempotencyMismatch(first)
    }
}

/// `insert_group` on `$db`: see the module docs. Returns one outcome list per batch, the hot
/// dispatches as claims, and whether a stored message left work for the claim loop (PostgreSQL
/// then `NOTIFY`s the other instances).
macro_rules! accept {
    ($db:ty, $dialect:ident) => {
        /// Stores the messages of `batches` inside `tx` (see [`crate::sql::accept`]).
        pub(crate) async fn insert_group(
            tx: &mut sqlx::Transaction<'static, $db>,
            batches: &[&[$crate::NewMessage]],
            hot: &$crate::handoff::Reservation,
        ) -> Result<(Vec<Vec<$crate::AcceptOutcome>>, Vec<$crate::handoff::Handed>, bool), $crate::StoreError> {
            use $crate::sql::accept::{Fresh, ROWS_PER_INSERT};
            let (mut out, fresh) = $crate::sql::accept::settle_keys(batches);
            let is_leased = |(b, m, msg): &Fresh<'_>| (0..msg.dispatches.len()).any(|d| hot.is_hot(*b, *m, d));
            let mut stored: std::collections::HashSet<String> = std::collections::HashSet::new();
            for chunk in fresh.chunks(ROWS_PER_INSERT) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO messages (id, channel, api_key, idem_key, idem_body_sha256, request, status, \
                     scheduled, send_at_ms, expires_at_ms, created_at_ms, updated_at_ms) ",
                );
                q.push_values(chunk, |mut row, fresh| {
                    let msg = fresh.2;
                    let scheduled = msg.send_at_ms > msg.created_at_ms;
                    let status = $crate::handoff::initial_status(scheduled, is_leased(fresh));
                    row.push_bind(msg.id.to_string())
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
                q.push(" ON CONFLICT DO NOTHING RETURNING id");
                let ids: Vec<String> = q.build_query_scalar::<String>().fetch_all(&mut **tx).await?;
                stored.extend(ids);
            }
            let (fresh, taken): (Vec<_>, Vec<_>) =
                fresh.into_iter().partition(|(_, _, msg)| stored.contains(&msg.id.to_string()));
            settle_taken(tx, batches, &taken, &mut out).await?;
            let guard = super::hot::guard_hot(tx, &fresh, hot).await?;
            let rows = insert_dispatches(tx, &fresh, hot, &guard).await?;
            let mut events = Vec::new();
            for f in &fresh {
                events.extend($crate::sql::hot::accepted_events(f.2, is_leased(f)));
            }
            super::events::insert(tx, &events).await?;
            let left = fresh.iter().any(|(b, m, msg)| (0..msg.dispatches.len()).any(|d| !hot.is_hot(*b, *m, d)));
            let handed = super::hot::hand(rows, hot, &guard)?;
            Ok((out, handed, left))
        }

        /// The messages of `taken` were not inserted: each (and each later message of the group
        /// with its key) replays or mismatches the stored message holding its idempotency key,
        /// read in one statement; one with no stored key reused a message id (`Conflict` for the
        /// whole transaction).
        async fn settle_taken(
            tx: &mut sqlx::Transaction<'static, $db>,
            batches: &[&[$crate::NewMessage]],
            taken: &[$crate::sql::accept::Fresh<'_>],
            out: &mut [Vec<$crate::AcceptOutcome>],
        ) -> Result<(), $crate::StoreError> {
            use sqlx::Row as _;
            if taken.is_empty() {
                return Ok(());
            }
            let keys: Vec<(&str, &str)> = taken
                .iter()
                .filter_map(|(_, _, m)| {
                    Some((m.api_key.as_deref().unwrap_or(""), m.idempotency.as_ref()?.key.as_str()))
                })
                .collect();
            let keys = serde_json::to_string(&keys)
                .map_err(|e| $crate::StoreError::Invalid(format!("idempotency keys: {e}")))?;
            let rows = sqlx::query(concat!(
                "SELECT m.id, k.k0 AS api, m.idem_key, m.idem_body_sha256 FROM (",
                $crate::sql::json_list!($dialect, text_pairs, "$1"),
                ") AS k JOIN messages m ON coalesce(m.api_key, '') = k.k0 AND m.idem_key = k.k1"
            ))
            .bind(keys)
            .fetch_all(&mut **tx)
            .await?;
            let mut held = std::collections::HashMap::new();
            for r in rows {
                let key: (String, String) = (r.try_get("api")?, r.try_get("idem_key")?);
                let id = $crate::record::parse_id(&r.try_get::<String, _>("id")?)?;
                held.insert(key, (id, r.try_get::<Option<String>, _>("idem_body_sha256")?));
            }
            // The holder of each taken message's key, by the taken message's id: the later
            // messages of the group with that key replayed the taken one, and now the holder.
            let mut holders = std::collections::HashMap::new();
            for (_, _, msg) in taken {
                let key = msg.idempotency.as_ref().map(|i| (msg.api_key.clone().unwrap_or_default(), i.key.clone()));
                let Some(holder) = key.and_then(|k| held.get(&k)) else {
                    return Err($crate::StoreError::Conflict(format!("message id {} already exists", msg.id)));
                };
                holders.insert(msg.id, holder);
            }
            for (b, batch) in batches.iter().enumerate() {
                for (m, msg) in batch.iter().enumerate() {
                    let (Some(idem), Some((first, hash))) = (&msg.idempotency, holders.get(&out[b][m].id())) else {
                        continue;
                    };
                    out[b][m] = $crate::sql::accept::replay(*first, hash.as_deref(), &idem.body_sha256);
                }
            }
            Ok(())
        }

        /// Inserts the dispatches of `msgs`; returns the hot ones as (message, seq, row id, token).
        async fn insert_dispatches<'a>(
            tx: &mut sqlx::Transaction<'static, $db>,
            msgs: &[$crate::sql::accept::Fresh<'a>],
            hot: &$crate::handoff::Reservation,
            guard: &$crate::sql::hot::HotGuard,
        ) -> Result<Vec<$crate::sql::hot::HotRow<'a>>, $crate::StoreError> {
            use sqlx::Row as _;
            let mut rows = Vec::new();
            for (bi, mi, msg) in msgs {
                for (seq, d) in msg.dispatches.iter().enumerate() {
                    let recipients = serde_json::to_string(&d.recipients)
                        .map_err(|e| $crate::StoreError::Invalid(format!("recipients: {e}")))?;
                    let token = hot.is_hot(*bi, *mi, seq).then($crate::handoff::lease_token);
                    rows.push((*msg, seq, d, recipients, token));
                }
            }
            let mut leased = Vec::new();
            for chunk in rows.chunks($crate::sql::accept::ROWS_PER_INSERT) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO dispatches (message_id, seq, endpoint, body, dedupe_id, recipients, status, \
                     next_attempt_at_ms, updated_at_ms, after_seq, coalesce_key, dup_key, dup_window_ms, \
                     dup_until_ms, dup_suppress, resend_safe, lease_owner, lease_token, lease_until_ms, \
                     claimed_at_ms) ",
                );
                q.push_values(chunk, |mut b, (msg, seq, d, recipients, token)| {
                    let status = match token {
                        Some(_) => $crate::DispatchStatus::InFlight,
                        None => $crate::DispatchStatus::Pending,
                    };
                    let lease =
                        token.as_ref().map(|_| (hot.owner(), hot.lease_until(msg.created_at_ms), msg.created_at_ms));
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
                        .push_bind(guard.opened.get(&(msg.id, *seq)).copied())
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
                let mut ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
                for r in q.build().fetch_all(&mut **tx).await? {
                    if let Some(token) = r.try_get::<Option<String>, _>("lease_token")? {
                        ids.insert(token, r.try_get("id")?);
                    }
                }
                for (msg, seq, _, _, token) in chunk {
                    if let Some(token) = token {
                        let id = *ids
                            .get(token)
                            .ok_or_else(|| $crate::StoreError::Invalid("a leased dispatch vanished".into()))?;
                        leased.push((*msg, *seq, id, token.clone()));
                    }
                }
            }
            Ok(leased)
        }
    };
}
pub(crate) use accept;

#[cfg(test)]
mod tests {
    use yizhan_core::MessageId;

    use super::settle_keys;
    use crate::{AcceptOutcome, Idempotency, NewMessage};

    fn keyed(key: Option<&str>, hash: &str) -> NewMessage {
        NewMessage {
            id: MessageId::new(),
            channel: "ops".to_owned(),
            api_key: Some("k".to_owned()),
            request: serde_json::json!({}),
            idempotency: key.map(|key| Idempotency { key: key.to_owned(), body_sha256: hash.to_owned() }),
            send_at_ms: 0,
            expires_at_ms: None,
            created_at_ms: 0,
            dispatches: Vec::new(),
        }
    }

    #[test]
    fn a_key_repeated_in_the_group_replays_or_mismatches_the_first() {
        let (a, b, c, d) = (keyed(Some("x"), "h"), keyed(Some("x"), "h"), keyed(Some("x"), "other"), keyed(None, "h"));
        let first = [a.clone(), b];
        let second = [c, d.clone()];
        let (out, fresh) = settle_keys(&[&first, &second]);
        assert_eq!(
            out,
            [
                vec![AcceptOutcome::Accepted(a.id), AcceptOutcome::Replayed(a.id)],
                vec![AcceptOutcome::IdempotencyMismatch(a.id), AcceptOutcome::Accepted(d.id)],
            ]
        );
        let positions: Vec<(usize, usize)> = fresh.iter().map(|(b, m, _)| (*b, *m)).collect();
        assert_eq!(positions, [(0, 0), (1, 1)], "only the first of a key and the unkeyed one are inserted");
    }
}
