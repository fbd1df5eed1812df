//! The worker's side, written once: claim due dispatches under a lease, or release them unsent
//! (completing them is group-committed, see [`crate::sql::complete`]).
//!
//! Each backend supplies the two statements that really differ (its `claim` module):
//!
//! * `EXPIRE` (`$1` now, `$2` the JSON array of dispatch ids the caller is still sending):
//!   marks `expired` the waiting dispatches of messages past `expires_at_ms`, and those in flight
//!   under an expired lease, except the caller's own; `RETURNING message_id`. PostgreSQL picks
//!   the rows `FOR UPDATE SKIP LOCKED`.
//! * `CLAIM` (`$1` worker, `$2` lease end, `$3` now, `$4` limit, `$5` the ids still being sent):
//!   leases up to `limit` due dispatches, expired leases included, ordered successors only once
//!   their predecessor is delivered, coalesced members never; returns the columns
//!   [`crate::rows::claimed_dispatch`] reads. SQLite reads each waiting status as its own branch
//!   of its index; PostgreSQL skips rows other instances hold (`SKIP LOCKED`).
//!
//! and `begin_claim()` on its store (SQLite: the writer's gate and a connection that commits
//! without a WAL sync of its own; PostgreSQL: a plain transaction).

use std::collections::BTreeSet;

use crate::sql::repeat::Guarded;
use crate::{ClaimedDispatch, StoreError};

/// The dispatches of a claim's rows (as [`crate::rows::claimed_dispatch`] decodes them), and
/// their guarded ones (a guarded dispatch claimed for the first time); their messages added to
/// `touched`.
pub(crate) fn claimed(
    rows: impl IntoIterator<Item = Result<(ClaimedDispatch, Option<(String, i64)>), StoreError>>,
    touched: &mut BTreeSet<String>,
) -> Result<(Vec<ClaimedDispatch>, Vec<Guarded>), StoreError> {
    let mut claimed = Vec::new();
    let mut guarded = Vec::new();
    for row in rows {
        let (dispatch, guard) = row?;
        touched.insert(dispatch.message_id.to_string());
        if let Some((key, window_ms)) = guard {
            guarded.push(Guarded { index: claimed.len(), key, window_ms });
        }
        claimed.push(dispatch);
    }
    Ok((claimed, guarded))
}

/// `claim_due` and `release` on `$store` (`$db`), with the backend's `claim::EXPIRE` and
/// `claim::CLAIM` (see the module docs).
macro_rules! claim {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Claims up to `limit` due dispatches for `worker` (see [`crate::Store::claim_due`]):
            /// expires what is past its message's expiry, ends the orphans of failed
            /// predecessors, leases the due rows and checks the duplicate guards of the fresh
            /// ones, in one transaction; `sending` (the caller's own sends in flight) are neither
            /// taken over nor expired. Concurrent claimers never get the same dispatch.
            pub(crate) async fn claim_due(
                &self,
                worker: &str,
                now_ms: i64,
                lease_ms: i64,
                limit: usize,
                sending: &[i64],
            ) -> Result<Vec<$crate::ClaimedDispatch>, $crate::StoreError> {
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let sending = serde_json::to_string(sending)
                    .map_err(|e| $crate::StoreError::Invalid(format!("dispatch ids: {e}")))?;
                let (gate, mut tx) = self.begin_claim().await?;
                let mut touched: std::collections::BTreeSet<String> = sqlx::query_scalar(super::claim::EXPIRE)
                    .bind(now_ms)
                    .bind(&sending)
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                touched.extend(super::order::end_orphans(&mut tx, None, now_ms).await?);
                let lease_until = now_ms.saturating_add(lease_ms);
                let rows = sqlx::query(super::claim::CLAIM.as_str())
                    .bind(worker)
                    .bind(lease_until)
                    .bind(now_ms)
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .bind(&sending)
                    .fetch_all(&mut *tx)
                    .await?;
                let decoded = rows.iter().map(|r| $crate::rows::claimed_dispatch(r, lease_until));
                let (mut claimed, guarded) = $crate::sql::claim::claimed(decoded, &mut touched)?;
                super::repeat::guard(&mut tx, &mut claimed, guarded, now_ms).await?;
                let touched: std::collections::BTreeMap<String, Option<i64>> =
                    touched.into_iter().map(|id| (id, Some(now_ms))).collect();
                super::status::refresh_all(&mut tx, &touched).await?;
                tx.commit().await?;
                drop(gate);
                claimed.sort_by_key(|c| c.claim.dispatch_id);
                Ok(claimed)
            }

            /// Gives a claimed dispatch back unsent: due again at once, no attempt counted or
            /// recorded; its coalesced members take its status again.
            pub(crate) async fn release(&self, claim: &$crate::ClaimToken) -> Result<(), $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let (message_id, _) = super::status::check_lease(&mut tx, claim).await?;
                sqlx::query(
                    "UPDATE dispatches SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END, \
                       lease_owner = NULL, lease_token = NULL, lease_until_ms = NULL, claimed_at_ms = NULL \
                     WHERE id = $1",
                )
                .bind(claim.dispatch_id)
                .execute(&mut *tx)
                .await?;
                let mut touched = super::coalesce::mirror_release(&mut tx, claim.dispatch_id).await?;
                touched.insert(message_id);
                let touched: std::collections::BTreeMap<String, Option<i64>> =
                    touched.into_iter().map(|id| (id, None)).collect();
                super::status::refresh_all(&mut tx, &touched).await?;
                super::notify_due(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use claim;
