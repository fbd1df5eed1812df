//! Lease renewal: a worker extends the leases of the dispatches it is still sending, so a slow
//! provider call is never taken over (by this instance or another) while it runs.

/// `renew_leases` on `$store`. `pairs` is a subquery yielding the `(id, token)` rows of the JSON
/// array `[[id, token], …]` bound as `$1`; `lock` follows the pick of the rows to renew
/// (PostgreSQL: `FOR UPDATE OF d SKIP LOCKED`, so a row busy in a completion of the same claim is
/// left alone, and it is not reported lost either: the read of what was lost sees it still held;
/// SQLite: nothing, one writer at a time).
macro_rules! lease {
    ($store:ident, $db:ty, pairs = $pairs:literal, lock = $lock:literal) => {
        impl $store {
            /// Extends the lease of every claim in `claims` that still holds its dispatch to at
            /// least `now_ms + lease_ms` (a lease is never shortened); returns the claims that no
            /// longer hold theirs (completed, released or taken over since).
            pub(crate) async fn renew_leases(
                &self,
                claims: &[$crate::ClaimToken],
                now_ms: i64,
                lease_ms: i64,
            ) -> Result<Vec<$crate::ClaimToken>, $crate::StoreError> {
                use sqlx::Row as _;
                if claims.is_empty() {
                    return Ok(Vec::new());
                }
                let pairs: Vec<(i64, &str)> = claims.iter().map(|c| (c.dispatch_id, c.token.as_str())).collect();
                let pairs =
                    serde_json::to_string(&pairs).map_err(|e| $crate::StoreError::Invalid(format!("claims: {e}")))?;
                sqlx::query(concat!(
                    "UPDATE dispatches SET lease_until_ms = CASE WHEN coalesce(lease_until_ms, 0) > $2 \
                       THEN lease_until_ms ELSE $2 END \
                     WHERE id IN (SELECT d.id FROM dispatches d JOIN (",
                    $pairs,
                    ") AS c ON c.id = d.id AND c.token = d.lease_token \
                       WHERE d.status = 'in_flight' ORDER BY d.id ",
                    $lock,
                    ")"
                ))
                .bind(&pairs)
                .bind(now_ms.saturating_add(lease_ms))
                .execute(&self.pool)
                .await?;
                let lost = sqlx::query(concat!(
                    "SELECT c.id FROM (",
                    $pairs,
                    ") AS c LEFT JOIN dispatches d ON d.id = c.id AND d.lease_token = c.token \
                       AND d.status = 'in_flight' WHERE d.id IS NULL"
                ))
                .bind(&pairs)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("id"))
                .collect::<Result<Vec<_>, _>>()?;
                Ok(claims.iter().filter(|c| lost.contains(&c.dispatch_id)).cloned().collect())
            }
        }
    };
}
pub(crate) use lease;
