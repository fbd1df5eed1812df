//! The hot path's part of an accept transaction, written once for both backends: the dispatches
//! just written `in_flight` for this instance's worker become claims ([`crate::handoff::Handed`]),
//! and those with a duplicate guard are decided by the same rule as at a claim
//! ([`crate::sql::repeat::decide`], before the INSERT, which writes the windows that open), so a
//! repeat of a body still inside its provider window is marked before the worker sees it.

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

/// The duplicate guards of an accept group's hot dispatches, decided before they are inserted
/// ([`crate::sql::repeat::decide`], in insertion order, which is id order): the windows that
/// open, written by the dispatch INSERT itself, and the repeats, marked on their claims.
#[derive(Default)]
pub(crate) struct HotGuard {
    /// (message, seq) → `dup_until_ms` of a dispatch whose window opens now.
    pub(crate) opened: std::collections::HashMap<(yizhan_core::MessageId, usize), i64>,
    /// (message, seq) → the earlier message a dispatch repeats.
    pub(crate) repeats: std::collections::HashMap<(yizhan_core::MessageId, usize), String>,
}

/// `guard_hot` and `hand` on `$db`: the duplicate guards of an accept group's hot dispatches
/// (one read of the open windows inside the accept's transaction), and the claims of the
/// dispatches leased.
macro_rules! hot {
    ($db:ty) => {
        pub(crate) use $crate::sql::hot::HotRow;

        /// Decides the duplicate guards of the hot dispatches of `fresh` (see
        /// [`crate::sql::hot::HotGuard`]).
        pub(crate) async fn guard_hot(
            tx: &mut sqlx::Transaction<'static, $db>,
            fresh: &[$crate::sql::accept::Fresh<'_>],
            hot: &$crate::handoff::Reservation,
        ) -> Result<$crate::sql::hot::HotGuard, $crate::StoreError> {
            let mut list = Vec::new();
            let mut now_ms = 0;
            for (b, m, msg) in fresh {
                for (seq, d) in msg.dispatches.iter().enumerate() {
                    if !hot.is_hot(*b, *m, seq) {
                        continue;
                    }
                    now_ms = std::cmp::max(now_ms, msg.created_at_ms);
                    if let Some(guard) = &d.duplicate {
                        list.push((*msg, seq, guard));
                    }
                }
            }
            let mut decided = $crate::sql::hot::HotGuard::default();
            if list.is_empty() {
                return Ok(decided);
            }
            let guarded: Vec<$crate::sql::repeat::Guarded> = list
                .iter()
                .enumerate()
                .map(|(index, (_, _, g))| $crate::sql::repeat::Guarded {
                    index,
                    key: g.key.clone(),
                    window_ms: g.window_ms,
                })
                .collect();
            let mut keys: Vec<&str> = list.iter().map(|(_, _, g)| g.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            let windows = super::repeat::open_windows(tx, &keys, now_ms).await?;
            let decision = $crate::sql::repeat::decide(
                windows,
                &guarded,
                |i| list[i].2.suppress,
                |i| list[i].0.id.to_string(),
                now_ms,
            );
            for i in decision.opened {
                let (msg, seq, g) = list[i];
                decided.opened.insert((msg.id, seq), now_ms.saturating_add(g.window_ms));
            }
            for (i, message) in decision.repeats {
                decided.repeats.insert((list[i].0.id, list[i].1), message);
            }
            Ok(decided)
        }

        /// The claims of `rows` (leased by `hot`'s worker), repeats marked as `guard` decided.
        pub(crate) fn hand(
            rows: Vec<HotRow<'_>>,
            hot: &$crate::handoff::Reservation,
            guard: &$crate::sql::hot::HotGuard,
        ) -> Result<Vec<$crate::handoff::Handed>, $crate::StoreError> {
            let mut handed = Vec::with_capacity(rows.len());
            for (msg, seq, id, token) in rows {
                let lease_until = hot.lease_until(msg.created_at_ms);
                let Some(mut h) = $crate::handoff::claimed(msg, seq, id, token, lease_until) else { continue };
                if let Some(earlier) = guard.repeats.get(&(msg.id, seq)) {
                    h.dispatch.repeat_of = Some($crate::record::parse_id(earlier)?);
                    h.dispatch.coalesce_key = None;
                }
                handed.push(h);
            }
            Ok(handed)
        }
    };
}
pub(crate) use hot;
