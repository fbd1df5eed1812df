//! Repeats of a provider-deduplicated body ([`crate::DuplicateGuard`]) on PostgreSQL: the twin
//! of `sqlite/repeat.rs`. Claims of two instances may run at once, so each guarded key is
//! locked (`pg_advisory_xact_lock`, keys in sorted order) before it is looked up: the second
//! claimer then sees the first one's window.

use sqlx::{Postgres, Transaction};

use super::PgStore;
use super::status::check_lease;
use crate::record::parse_id;
use crate::{ClaimToken, ClaimedDispatch, StoreError};

/// See `sqlite/repeat.rs`: `repeat_of` for a repeat, else the dispatch's window opens now.
pub(super) async fn guard(
    tx: &mut Transaction<'static, Postgres>,
    claimed: &mut [ClaimedDispatch],
    mut guarded: Vec<(usize, String)>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut keys: Vec<&str> = guarded.iter().map(|(_, key)| key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(key).execute(&mut **tx).await?;
    }
    guarded.sort_by_key(|(index, _)| claimed[*index].claim.dispatch_id);
    for (index, key) in guarded {
        let dispatch = &mut claimed[index];
        let earlier: Option<String> = sqlx::query_scalar(
            "SELECT message_id FROM dispatches WHERE dup_key = $1 AND dup_until_ms > $2 AND id <> $3 \
               AND (NOT $4 OR status NOT IN ('dead', 'cancelled', 'expired')) \
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
                dispatch.repeat_of = Some(parse_id(&message)?);
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

impl PgStore {
    /// See [`crate::SqliteStore::replace_body`].
    pub async fn replace_body(&self, claim: &ClaimToken, body: &[u8], now_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        check_lease(&mut tx, claim).await?;
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

    /// See [`crate::SqliteStore::msgid_owner`].
    pub async fn msgid_owner(&self, msgid: &str, except: i64) -> Result<Option<yizhan_core::MessageId>, StoreError> {
        let owner: Option<String> =
            sqlx::query_scalar("SELECT message_id FROM dispatches WHERE msgid = $1 AND id <> $2 LIMIT 1")
                .bind(msgid)
                .bind(except)
                .fetch_optional(&self.pool)
                .await?;
        owner.map(|id| parse_id(&id)).transpose()
    }
}
