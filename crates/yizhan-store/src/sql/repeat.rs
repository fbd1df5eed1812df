//! Repeats of a provider-deduplicated body ([`crate::DuplicateGuard`]): decided at the first
//! claim inside the claim transaction; a repeat's body replaced before it is sent; the owner of
//! a msgid the provider answered with.

/// `guard` on `$db` and the repeat methods of `$store`. The backend's `lock_keys(tx, keys)`
/// serialises guards of the same keys across instances (PostgreSQL: advisory locks, keys in
/// sorted order, so the second claimer sees the first one's window; SQLite: nothing, one writer
/// at a time).
macro_rules! repeat {
    ($store:ident, $db:ty) => {
        /// For each freshly claimed guarded dispatch (`claimed[index]` with body key `key`), in
        /// id order: if another dispatch with the same key is inside its window, `repeat_of`
        /// names its message (and the dispatch is not coalesced); otherwise the dispatch's own
        /// window opens now. In id order, so of two identical dispatches claimed together the
        /// second is the repeat.
        pub(super) async fn guard(
            tx: &mut sqlx::Transaction<'static, $db>,
            claimed: &mut [$crate::ClaimedDispatch],
            mut guarded: Vec<(usize, String)>,
            now_ms: i64,
        ) -> Result<(), $crate::StoreError> {
            let mut keys: Vec<&str> = guarded.iter().map(|(_, key)| key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            lock_keys(tx, &keys).await?;
            guarded.sort_by_key(|(index, _)| claimed[*index].claim.dispatch_id);
            for (index, key) in guarded {
                let dispatch = &mut claimed[index];
                let earlier: Option<String> = sqlx::query_scalar(
                    "SELECT message_id FROM dispatches WHERE dup_key = $1 AND dup_until_ms > $2 AND id <> $3 \
                       AND ($4 = FALSE OR status NOT IN ('dead', 'cancelled', 'expired')) \
                     ORDER BY dup_until_ms DESC LIMIT 1",
                )
                .bind(&key)
                .bind(now_ms)
                .bind(dispatch.claim.dispatch_id)
                .bind(dispatch.suppress_repeats)
                .fetch_optional(&mut **tx)
                .await?;
                match earlier {
                    Some(message) => {
                        dispatch.repeat_of = Some($crate::record::parse_id(&message)?);
                        dispatch.coalesce_key = None;
                    }
                    None => {
                        sqlx::query("UPDATE dispatches SET dup_until_ms = $1 + dup_window_ms WHERE id = $2")
                            .bind(now_ms)
                            .bind(dispatch.claim.dispatch_id)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
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
