//! Repeats of a provider-deduplicated body ([`crate::DuplicateGuard`]): decided at the first
//! claim (or, on the hot path, in the accept transaction) for a whole claimed batch at once, one
//! read of the open windows and one update of the windows opened; a repeat's body replaced before
//! it is sent; the owner of a msgid the provider answered with.
//!
//! Which claimed dispatch is a repeat is decided here, in Rust ([`decide`]), from the open windows
//! of the batch's keys: in dispatch id order, so of two identical dispatches claimed together the
//! second is the repeat, exactly as if each had been checked by a statement of its own.

use std::collections::HashMap;

/// A freshly claimed guarded dispatch: `claimed[index]`, its body key and its provider window.
pub(crate) struct Guarded {
    /// Its position in the claimed batch.
    pub(crate) index: usize,
    /// The identity of its body ([`crate::DuplicateGuard::key`]).
    pub(crate) key: String,
    /// How long the provider remembers the body once sent.
    pub(crate) window_ms: i64,
}

/// An open duplicate window of another dispatch, as read from the store.
pub(crate) struct Window {
    /// The body key.
    pub(crate) key: String,
    /// The message of the dispatch that opened it.
    pub(crate) message_id: String,
    /// When it closes (`dup_until_ms`).
    pub(crate) until_ms: i64,
    /// Whether that dispatch ended dead, cancelled or expired (it then does not count for a
    /// dispatch that suppresses repeats: nothing was delivered).
    pub(crate) ended: bool,
}

/// What [`decide`] found: the repeats (`claimed[index]` repeats a body of message `.1`) and the
/// dispatches (by position) whose own window opens now.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) repeats: Vec<(usize, String)>,
    pub(crate) opened: Vec<usize>,
}

/// Decides, for `guarded` (sorted by dispatch id by the caller), which are repeats of a window in
/// `windows` or of an earlier dispatch of the batch, given whether each suppresses repeats
/// (`suppress(index)`). A dispatch that is no repeat opens its window at `now_ms`; the newest
/// window (latest `until_ms`) names the earlier message.
pub(crate) fn decide(
    windows: Vec<Window>,
    guarded: &[Guarded],
    suppress: impl Fn(usize) -> bool,
    batch_message: impl Fn(usize) -> String,
    now_ms: i64,
) -> Decision {
    let mut open: HashMap<String, Vec<Window>> = HashMap::new();
    for w in windows.into_iter().filter(|w| w.until_ms > now_ms) {
        open.entry(w.key.clone()).or_default().push(w);
    }
    let mut decision = Decision::default();
    for g in guarded {
        let suppressing = suppress(g.index);
        let earlier =
            open.get(&g.key).into_iter().flatten().filter(|w| !suppressing || !w.ended).max_by_key(|w| w.until_ms);
        match earlier {
            Some(w) => decision.repeats.push((g.index, w.message_id.clone())),
            None => {
                decision.opened.push(g.index);
                let until_ms = now_ms.saturating_add(g.window_ms);
                if until_ms > now_ms {
                    let window =
                        Window { key: g.key.clone(), message_id: batch_message(g.index), until_ms, ended: false };
                    open.entry(g.key.clone()).or_default().push(window);
                }
            }
        }
    }
    decision
}

/// `guard` on `$db` and the repeat methods of `$store`. The backend's `lock_keys(tx, keys)`
/// serialises guards of the same keys across instances (PostgreSQL: advisory locks, keys in
/// sorted order, so the second claimer sees the first one's window; SQLite: nothing, one writer
/// at a time). `$dialect` names the backend for [`crate::sql::json_list`].
macro_rules! repeat {
    ($store:ident, $db:ty, $dialect:ident) => {
        /// The duplicate windows of `keys` (sorted, distinct) still open at `now_ms`, read once
        /// the keys are locked (`lock_keys`).
        pub(super) async fn open_windows(
            tx: &mut sqlx::Transaction<'static, $db>,
            keys: &[&str],
            now_ms: i64,
        ) -> Result<Vec<$crate::sql::repeat::Window>, $crate::StoreError> {
            use sqlx::Row as _;
            lock_keys(tx, keys).await?;
            let keys_json = serde_json::to_string(keys)
                .map_err(|e| $crate::StoreError::Invalid(format!("duplicate guard keys: {e}")))?;
            let rows = sqlx::query(concat!(
                "SELECT dup_key, message_id, dup_until_ms, status IN ('dead', 'cancelled', 'expired') AS ended \
                 FROM dispatches WHERE dup_key IS NOT NULL AND dup_key IN (",
                $crate::sql::json_list!($dialect, text, "$1"),
                ") AND dup_until_ms > $2"
            ))
            .bind(keys_json)
            .bind(now_ms)
            .fetch_all(&mut **tx)
            .await?;
            let mut windows = Vec::with_capacity(rows.len());
            for r in rows {
                windows.push($crate::sql::repeat::Window {
                    key: r.try_get("dup_key")?,
                    message_id: r.try_get("message_id")?,
                    until_ms: r.try_get("dup_until_ms")?,
                    ended: r.try_get("ended")?,
                });
            }
            Ok(windows)
        }

        /// For the freshly claimed guarded dispatches `guarded` of `claimed`: if another
        /// dispatch with the same key is inside its window, `repeat_of` names its message (and
        /// the dispatch is not coalesced); otherwise the dispatch's own window opens now. One
        /// read and at most one update for the whole batch (see [`crate::sql::repeat::decide`]).
        pub(super) async fn guard(
            tx: &mut sqlx::Transaction<'static, $db>,
            claimed: &mut [$crate::ClaimedDispatch],
            mut guarded: Vec<$crate::sql::repeat::Guarded>,
            now_ms: i64,
        ) -> Result<(), $crate::StoreError> {
            if guarded.is_empty() {
                return Ok(());
            }
            let mut keys: Vec<&str> = guarded.iter().map(|g| g.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            let windows = open_windows(tx, &keys, now_ms).await?;
            guarded.sort_by_key(|g| claimed[g.index].claim.dispatch_id);
            let decision = $crate::sql::repeat::decide(
                windows,
                &guarded,
                |i| claimed[i].suppress_repeats,
                |i| claimed[i].message_id.to_string(),
                now_ms,
            );
            for (index, message) in decision.repeats {
                let dispatch = &mut claimed[index];
                dispatch.repeat_of = Some($crate::record::parse_id(&message)?);
                dispatch.coalesce_key = None;
            }
            if !decision.opened.is_empty() {
                let ids: Vec<i64> = decision.opened.iter().map(|i| claimed[*i].claim.dispatch_id).collect();
                let ids = serde_json::to_string(&ids)
                    .map_err(|e| $crate::StoreError::Invalid(format!("dispatch ids: {e}")))?;
                sqlx::query(concat!(
                    "UPDATE dispatches SET dup_until_ms = $2 + dup_window_ms WHERE id IN (",
                    $crate::sql::json_list!($dialect, int, "$1"),
                    ")"
                ))
                .bind(ids)
                .bind(now_ms)
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }

        impl $store {
            /// Replaces the body of a claimed dispatch (`Conflict` if the lease was lost) and
            /// takes it out of the duplicate guard: the new body is what every later attempt
            /// sends. It carries no provider dedupe, so it is not resent after an ambiguous
            /// failure (`resend_safe` false).
            pub(crate) async fn replace_body(
                &self,
                claim: &$crate::ClaimToken,
                body: &[u8],
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                super::status::check_lease(&mut tx, claim).await?;
                sqlx::query(
                    "UPDATE dispatches SET body = $1, dup_key = NULL, dup_until_ms = NULL, coalesce_key = NULL, \
                       resend_safe = FALSE, updated_at_ms = $2 WHERE id = $3",
                )
                .bind(body)
                .bind(now_ms)
                .bind(claim.dispatch_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            /// The message of a dispatch other than `except` that holds `msgid` as its handle,
            /// if any.
            pub(crate) async fn msgid_owner(
                &self,
                msgid: &str,
                except: i64,
            ) -> Result<Option<yizhan_core::MessageId>, $crate::StoreError> {
                let owner: Option<String> =
                    sqlx::query_scalar("SELECT message_id FROM dispatches WHERE msgid = $1 AND id <> $2 LIMIT 1")
                        .bind(msgid)
                        .bind(except)
                        .fetch_optional(&self.pool)
                        .await?;
                owner.map(|id| $crate::record::parse_id(&id)).transpose()
            }
        }
    };
}
pub(crate) use repeat;

#[cfg(test)]
mod tests {
    use super::{Decision, Guarded, Window, decide};

    const NOW: i64 = 1_000;

    fn guarded(index: usize, key: &str, window_ms: i64) -> Guarded {
        Guarded { index, key: key.to_owned(), window_ms }
    }

    fn window(key: &str, message: &str, until_ms: i64, ended: bool) -> Window {
        Window { key: key.to_owned(), message_id: message.to_owned(), until_ms, ended }
    }

    fn message_of(index: usize) -> String {
        format!("batch-{index}")
    }

    #[test]
    fn the_second_of_two_identical_bodies_in_one_batch_repeats_the_first() {
        let batch = [guarded(0, "k", 500), guarded(1, "k", 500), guarded(2, "other", 500)];
        let d = decide(Vec::new(), &batch, |_| false, message_of, NOW);
        assert_eq!(d, Decision { repeats: vec![(1, "batch-0".to_owned())], opened: vec![0, 2] });
    }

    #[test]
    fn the_newest_open_window_names_the_earlier_message() {
        let windows = vec![
            window("k", "old", NOW + 10, false),
            window("k", "new", NOW + 90, false),
            window("k", "closed", NOW, false),
        ];
        let d = decide(windows, &[guarded(0, "k", 500)], |_| false, message_of, NOW);
        assert_eq!(d.repeats, [(0, "new".to_owned())]);
        let closed_only =
            decide(vec![window("k", "closed", NOW, false)], &[guarded(0, "k", 500)], |_| false, message_of, NOW);
        assert_eq!(closed_only.opened, [0], "a window that closes now is closed");
    }

    #[test]
    fn a_suppressing_dispatch_ignores_windows_of_ended_dispatches() {
        let windows = vec![window("k", "dead", NOW + 90, true)];
        let batch = [guarded(0, "k", 500), guarded(1, "k", 500)];
        let d = decide(windows, &batch, |i| i == 0, message_of, NOW);
        assert_eq!(d, Decision { repeats: vec![(1, "batch-0".to_owned())], opened: vec![0] }, "the newest window");
    }

    #[test]
    fn a_zero_window_opens_nothing_a_later_dispatch_could_repeat() {
        let d = decide(Vec::new(), &[guarded(0, "k", 0), guarded(1, "k", 0)], |_| false, message_of, NOW);
        assert_eq!(d.opened, [0, 1]);
    }
}
