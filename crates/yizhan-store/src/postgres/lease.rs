//! Lease renewal on PostgreSQL: an instance extends the leases of the dispatches it is still
//! sending, so a slow provider call is never taken over by another instance while it runs.

use sqlx::Row;

use super::PgStore;
use crate::{ClaimToken, StoreError};

impl PgStore {
    /// Extends the lease of every claim in `claims` that still holds its dispatch to at least
    /// `now_ms + lease_ms` (a lease is never shortened); returns the claims that no longer hold
    /// theirs (completed, released or taken over since).
    ///
    /// Rows are locked in id order with `SKIP LOCKED`: a row busy in a completion of the same
    /// claim is left alone (and is not lost: the read of what was lost sees it still held).
    pub(crate) async fn renew_leases(
        &self,
        claims: &[ClaimToken],
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Vec<ClaimToken>, StoreError> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = claims.iter().map(|c| c.dispatch_id).collect();
        let tokens: Vec<&str> = claims.iter().map(|c| c.token.as_str()).collect();
        sqlx::query(
            "WITH held AS ( \
               SELECT d.id FROM dispatches d JOIN unnest($1::bigint[], $2::text[]) AS c(id, token) \
                 ON c.id = d.id AND c.token = d.lease_token \
               WHERE d.status = 'in_flight' ORDER BY d.id FOR UPDATE OF d SKIP LOCKED) \
             UPDATE dispatches d SET lease_until_ms = GREATEST(coalesce(d.lease_until_ms, 0), $3) \
             FROM held WHERE d.id = held.id",
        )
        .bind(&ids)
        .bind(&tokens)
        .bind(now_ms.saturating_add(lease_ms))
        .execute(&self.pool)
        .await?;
        let lost = sqlx::query(
            "SELECT c.id FROM unnest($1::bigint[], $2::text[]) AS c(id, token) \
             LEFT JOIN dispatches d ON d.id = c.id AND d.lease_token = c.token AND d.status = 'in_flight' \
             WHERE d.id IS NULL",
        )
        .bind(&ids)
        .bind(&tokens)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
        Ok(claims.iter().filter(|c| lost.contains(&c.dispatch_id)).cloned().collect())
    }
}
