//! Lease renewal on SQLite: a worker extends the leases of the dispatches it is still sending,
//! so a slow provider call is never taken over while it runs.

use sqlx::Row;

use super::SqliteStore;
use crate::{ClaimToken, StoreError};

impl SqliteStore {
    /// Extends the lease of every claim in `claims` that still holds its dispatch to at least
    /// `now_ms + lease_ms` (a lease is never shortened); returns the claims that no longer hold
    /// theirs (completed, released or taken over since).
    pub(crate) async fn renew_leases(
        &self,
        claims: &[ClaimToken],
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Vec<ClaimToken>, StoreError> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let pairs: Vec<(i64, &str)> = claims.iter().map(|c| (c.dispatch_id, c.token.as_str())).collect();
        let pairs = serde_json::to_string(&pairs).map_err(|e| StoreError::Invalid(format!("claims: {e}")))?;
        let rows = sqlx::query(
            "UPDATE dispatches SET lease_until_ms = max(coalesce(lease_until_ms, 0), ?2) \
             WHERE status = 'in_flight' AND (id, lease_token) IN \
               (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)) \
             RETURNING id",
        )
        .bind(pairs)
        .bind(now_ms.saturating_add(lease_ms))
        .fetch_all(&self.pool)
        .await?;
        let renewed = rows.iter().map(|r| r.try_get::<i64, _>("id")).collect::<Result<Vec<_>, _>>()?;
        Ok(claims.iter().filter(|c| !renewed.contains(&c.dispatch_id)).cloned().collect())
    }
}
