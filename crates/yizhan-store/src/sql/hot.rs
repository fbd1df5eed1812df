//! The hot path's part of an accept transaction, written once for both backends: the dispatches
//! just written `in_flight` for this instance's worker become claims ([`crate::handoff::Handed`]),
//! and those with a duplicate guard go through the same check as at a claim (the backend's
//! `repeat::guard`), so a repeat of a body still inside its provider window is marked before
//! the worker sees it.

/// A dispatch leased at accept: its message, its position, its row id and its lease token.
pub(crate) type HotRow<'a> = (&'a crate::NewMessage, usize, i64, String);

/// The events of storing `msg`: `message.accepted`, and when one of its dispatches was leased in
/// the same transaction, the change to `dispatching` a claim's status refresh would have
/// announced.
pub(crate) fn accepted_events(msg: &crate::NewMessage, leased: bool) -> Vec<crate::sql::events::MessageEvent> {
    use crate::sql::events::MessageEvent;
    let accepted = MessageEvent::accepted(msg);
    if !leased {
        return vec![accepted];
    }
    let id = msg.id.to_string();
    let from = crate::MessageStatus::Accepted;
    let leased = MessageEvent::status_change(&id, from, crate::MessageStatus::Dispatching, msg.created_at_ms);
    std::iter::once(accepted).chain(leased).collect()
}

/// `hand` on `$db`: turns the leased rows of an accept into claims, checking duplicate guards
/// inside the accept's transaction.
macro_rules! hot {
    ($db:ty) => {
        pub(crate) use $crate::sql::hot::HotRow;

        /// The claims of `rows` (leased by `hot`'s worker in `tx`), duplicate guards checked.
        pub(crate) async fn hand(
            tx: &mut sqlx::Transaction<'static, $db>,
            rows: Vec<HotRow<'_>>,
            hot: &$crate::handoff::Reservation,
        ) -> Result<Vec<$crate::handoff::Handed>, $crate::StoreError> {
            let mut handed = Vec::with_capacity(rows.len());
            let mut guarded = Vec::new();
            let mut now_ms = 0;
            for (msg, seq, id, token) in rows {
                now_ms = now_ms.max(msg.created_at_ms);
                let lease_until = hot.lease_until(msg.created_at_ms);
                let Some(h) = $crate::handoff::claimed(msg, seq, id, token, lease_until) else { continue };
                if let Some(guard) = msg.dispatches.get(seq).and_then(|d| d.duplicate.as_ref()) {
                    guarded.push($crate::sql::repeat::Guarded {
                        index: handed.len(),
                        key: guard.key.clone(),
                        window_ms: guard.window_ms,
                    });
                }
                handed.push(h);
            }
            if guarded.is_empty() {
                return Ok(handed);
            }
            let (mut claims, successors): (Vec<_>, Vec<_>) =
                handed.into_iter().map(|h| (h.dispatch, h.has_successors)).unzip();
            super::repeat::guard(tx, &mut claims, guarded, now_ms).await?;
            Ok(claims
                .into_iter()
                .zip(successors)
                .map(|(dispatch, has_successors)| $crate::handoff::Handed { dispatch, has_successors })
                .collect())
        }
    };
}
pub(crate) use hot;
