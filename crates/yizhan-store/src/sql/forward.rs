//! Callback forwards (`callback_forwards`): enqueue, claim under a lease, complete.

/// The callback forward methods of `$store` (see [`crate::sql`]).
macro_rules! forward {
    ($store:ident, $db:ty, $token:literal, $skip:literal) => {
        impl $store {
            /// Stores a callback forward, due at its `created_at_ms`; returns its id.
            pub(crate) async fn enqueue_forward(&self, forward: $crate::NewForward) -> Result<i64, $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO callback_forwards (channel, url, body, status, next_attempt_at_ms, created_at_ms, \
                       updated_at_ms) VALUES ($1, $2, $3, 'pending', $4, $4, $4) RETURNING id",
                )
                .bind(&forward.channel)
                .bind(&forward.url)
                .bind(forward.body.as_slice())
                .bind(forward.created_at_ms)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            /// Claims up to `limit` due forwards (pending and due, or in flight with an expired
            /// lease); on PostgreSQL rows another instance is claiming are skipped, so no forward
            /// is claimed twice.
            pub(crate) async fn claim_forwards(
                &self,
                now_ms: i64,
                lease_ms: i64,
                limit: usize,
            ) -> Result<Vec<$crate::ClaimedForward>, $crate::StoreError> {
                use sqlx::Row as _;
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(concat!(
                    "UPDATE callback_forwards SET status = 'in_flight', lease_token = ",
                    $token,
                    ", lease_until_ms = $1, updated_at_ms = $2 \
                     WHERE id IN (SELECT id FROM callback_forwards \
                                  WHERE (status = 'pending' AND next_attempt_at_ms <= $2) \
                                     OR (status = 'in_flight' AND lease_until_ms <= $2) \
                                  ORDER BY next_attempt_at_ms, id LIMIT $3 ",
                    $skip,
                    ") RETURNING id, lease_token, channel, url, body, attempts, created_at_ms"
                ))
                .bind(now_ms.saturating_add(lease_ms))
                .bind(now_ms)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push($crate::ClaimedForward {
                        id: r.try_get("id")?,
                        token: r.try_get("lease_token")?,
                        channel: r.try_get("channel")?,
                        url: r.try_get("url")?,
                        body: r.try_get("body")?,
                        attempts: r.try_get("attempts")?,
                        created_at_ms: r.try_get("created_at_ms")?,
                    });
                }
                out.sort_by_key(|f| f.id);
                Ok(out)
            }

            /// Records a forward attempt if `token` still holds the lease (else `Conflict`).
            pub(crate) async fn complete_forward(
                &self,
                id: i64,
                token: &str,
                result: $crate::ForwardResult,
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                let (status, next_at, error) = match &result {
                    $crate::ForwardResult::Delivered => ("delivered", None, None),
                    $crate::ForwardResult::Retry { at_ms, error } => ("pending", Some(*at_ms), Some(error.as_str())),
                    $crate::ForwardResult::Dead { error } => ("dead", None, Some(error.as_str())),
                };
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE callback_forwards SET status = $1, attempts = attempts + 1, \
                       next_attempt_at_ms = coalesce($2, next_attempt_at_ms), last_error = coalesce($3, last_error), \
                       lease_token = NULL, lease_until_ms = NULL, updated_at_ms = $4 \
                     WHERE id = $5 AND status = 'in_flight' AND lease_token = $6",
                )
                .bind(status)
                .bind(next_at)
                .bind(error)
                .bind(now_ms)
                .bind(id)
                .bind(token)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err($crate::StoreError::Conflict(format!(
                        "callback forward {id} is no longer held by this claim"
                    )));
                }
                tx.commit().await?;
                Ok(())
            }

            /// One stored forward.
            pub(crate) async fn forward(&self, id: i64) -> Result<Option<$crate::ForwardRecord>, $crate::StoreError> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT id, channel, status, attempts, last_error FROM callback_forwards WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok($crate::ForwardRecord {
                        id: r.try_get("id")?,
                        channel: r.try_get("channel")?,
                        status: r.try_get("status")?,
                        attempts: r.try_get("attempts")?,
                        last_error: r.try_get("last_error")?,
                    })
                })
                .transpose()
            }
        }
    };
}
pub(crate) use forward;
