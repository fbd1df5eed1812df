//! Webhook deliveries (`webhook_deliveries`, `webhook_attempts`): claim under a lease (ordered
//! per message), complete with the attempt, list, replay, count.

/// The stored status of what follows an attempt, with the next due time.
pub(crate) fn next_status(next: crate::DeliveryNext) -> (&'static str, Option<i64>) {
    match next {
        crate::DeliveryNext::Delivered => ("delivered", None),
        crate::DeliveryNext::RetryAt(at_ms) => ("pending", Some(at_ms)),
        crate::DeliveryNext::Failed => ("failed", None),
    }
}

/// One retention batch (parameters: cutoff, limit): old published events that every
/// subscription's cursor has passed and no delivery waits for, then old finished deliveries'
/// attempts, then those deliveries.
pub(crate) const PURGE: [&str; 3] = [
    "DELETE FROM events WHERE id IN (SELECT e.id FROM events e \
       WHERE e.pos IS NOT NULL AND e.at_ms < $1 \
         AND e.pos <= coalesce((SELECT min(after_pos) FROM webhooks), e.pos) \
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
              WHERE d.event_pos = e.pos AND d.status IN ('pending', 'in_flight')) \
       ORDER BY e.id LIMIT $2)",
    "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
       WHERE status IN ('delivered', 'failed') AND updated_at_ms < $1 ORDER BY id LIMIT $2)",
    "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries \
       WHERE status IN ('delivered', 'failed') AND updated_at_ms < $1 ORDER BY id LIMIT $2)",
];

/// The delivery methods of `$store` (see [`crate::sql`]).
macro_rules! deliveries {
    ($store:ident, $db:ty, $token:literal, $skip:literal) => {
        impl $store {
            /// Leases up to `limit` due deliveries (pending and due, or in flight with an
            /// expired lease) for `lease_ms`; a delivery waits while an earlier delivery of the
            /// same subscription about the same message is pending or in flight. On PostgreSQL
            /// rows another instance is claiming are skipped.
            pub(crate) async fn claim_webhook_deliveries(
                &self,
                now_ms: i64,
                lease_ms: i64,
                limit: usize,
            ) -> Result<Vec<$crate::ClaimedDelivery>, $crate::StoreError> {
                use sqlx::Row as _;
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await?;
                let ids: Vec<i64> = sqlx::query_scalar(concat!(
                    "UPDATE webhook_deliveries SET status = 'in_flight', lease_token = ",
                    $token,
                    ", lease_until_ms = $1, updated_at_ms = $2 \
                     WHERE id IN (SELECT d.id FROM webhook_deliveries d \
                        WHERE ((d.status = 'pending' AND d.next_attempt_at_ms <= $2) \
                               OR (d.status = 'in_flight' AND d.lease_until_ms <= $2)) \
                          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
                               WHERE p.webhook_id = d.webhook_id AND p.message_id = d.message_id \
                                 AND p.event_pos < d.event_pos AND p.status IN ('pending', 'in_flight')) \
                        ORDER BY d.next_attempt_at_ms, d.id LIMIT $3 ",
                    $skip,
                    ") RETURNING id"
                ))
                .bind(now_ms.saturating_add(lease_ms))
                .bind(now_ms)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&mut *tx)
                .await?;
                if ids.is_empty() {
                    tx.commit().await?;
                    return Ok(Vec::new());
                }
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT d.id, d.lease_token, d.webhook_id, d.attempts, d.created_at_ms, w.url, w.secret, \
                       w.allow_private_urls, w.source, e.pos, e.kind, e.message_id, e.channel, e.at_ms, e.data \
                     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
                     JOIN events e ON e.pos = d.event_pos WHERE d.id IN (",
                );
                let mut list = q.separated(", ");
                for id in &ids {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY d.id");
                let rows = q.build().fetch_all(&mut *tx).await?;
                for id in &ids {
                    if !rows.iter().any(|r| r.try_get::<i64, _>("id").is_ok_and(|found| found == *id)) {
                        // Its event is gone (deleted with retention before a replay): nothing to send.
                        sqlx::query(
                            "UPDATE webhook_deliveries SET status = 'failed', lease_token = NULL, lease_until_ms = NULL, \
                               last_error = 'the event no longer exists (retention)' WHERE id = $1",
                        )
                        .bind(*id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let source: String = r.try_get("source")?;
                    out.push($crate::ClaimedDelivery {
                        source: $crate::WebhookSource::parse(&source)
                            .ok_or_else(|| $crate::StoreError::Corrupt(format!("webhook source {source:?}")))?,
                        id: r.try_get("id")?,
                        token: r.try_get("lease_token")?,
                        webhook_id: r.try_get("webhook_id")?,
                        url: r.try_get("url")?,
                        secret: r.try_get("secret")?,
                        allow_private_urls: r.try_get("allow_private_urls")?,
                        attempts: r.try_get("attempts")?,
                        created_at_ms: r.try_get("created_at_ms")?,
                        event: $crate::sql::events::record(r)?,
                    });
                }
                Ok(out)
            }

            /// Records the attempts of claimed deliveries and what follows each, in one
            /// transaction; a delivery whose `token` no longer holds the lease is skipped (it was
            /// taken over). Returns how many were skipped.
            pub(crate) async fn complete_webhook_deliveries(
                &self,
                done: &[$crate::CompletedDelivery],
                now_ms: i64,
            ) -> Result<usize, $crate::StoreError> {
                if done.is_empty() {
                    return Ok(0);
                }
                let mut skipped = 0;
                let mut tx = self.begin_write().await?;
                for d in done {
                    let (status, next_at) = $crate::sql::deliveries::next_status(d.next);
                    let code = d.attempt.status_code.map(i32::from);
                    let changed = sqlx::query(
                        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, \
                           next_attempt_at_ms = coalesce($2, next_attempt_at_ms), last_status_code = $3, \
                           last_error = $4, lease_token = NULL, lease_until_ms = NULL, updated_at_ms = $5 \
                         WHERE id = $6 AND status = 'in_flight' AND lease_token = $7",
                    )
                    .bind(status)
                    .bind(next_at)
                    .bind(code)
                    .bind(d.attempt.error.as_deref())
                    .bind(now_ms)
                    .bind(d.id)
                    .bind(&d.token)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if changed == 0 {
                        skipped += 1;
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO webhook_attempts (delivery_id, at_ms, status_code, error, duration_ms) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(d.id)
                    .bind(d.attempt.at_ms)
                    .bind(code)
                    .bind(d.attempt.error.as_deref())
                    .bind(d.attempt.duration_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(skipped)
            }

            /// The newest deliveries of subscription `webhook_id` with their attempts, newest
            /// first, at most `limit`, with ids below `before` if given.
            pub(crate) async fn webhook_deliveries(
                &self,
                webhook_id: &str,
                before: Option<i64>,
                limit: i64,
            ) -> Result<Vec<$crate::DeliveryRecord>, $crate::StoreError> {
                use sqlx::Row as _;
                let before = before.unwrap_or(i64::MAX);
                let rows = sqlx::query(
                    "SELECT d.id, d.event_pos, e.kind, d.message_id, d.status, d.next_attempt_at_ms, d.created_at_ms \
                     FROM webhook_deliveries d LEFT JOIN events e ON e.pos = d.event_pos \
                     WHERE d.webhook_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3",
                )
                .bind(webhook_id)
                .bind(before)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push($crate::DeliveryRecord {
                        id: r.try_get("id")?,
                        event_pos: r.try_get("event_pos")?,
                        kind: r.try_get("kind")?,
                        message_id: r.try_get("message_id")?,
                        status: r.try_get("status")?,
                        next_attempt_at_ms: r.try_get("next_attempt_at_ms")?,
                        created_at_ms: r.try_get("created_at_ms")?,
                        attempts: Vec::new(),
                    });
                }
                let (Some(newest), Some(oldest)) = (out.first().map(|d| d.id), out.last().map(|d| d.id)) else {
                    return Ok(out);
                };
                let attempts = sqlx::query(
                    "SELECT a.delivery_id, a.at_ms, a.status_code, a.error, a.duration_ms FROM webhook_attempts a \
                     JOIN webhook_deliveries d ON d.id = a.delivery_id \
                     WHERE d.webhook_id = $1 AND a.delivery_id BETWEEN $2 AND $3 ORDER BY a.id",
                )
                .bind(webhook_id)
                .bind(oldest)
                .bind(newest)
                .fetch_all(&self.pool)
                .await?;
                for a in &attempts {
                    let delivery: i64 = a.try_get("delivery_id")?;
                    let code: Option<i32> = a.try_get("status_code")?;
                    if let Some(d) = out.iter_mut().find(|d| d.id == delivery) {
                        d.attempts.push($crate::WebhookAttempt {
                            at_ms: a.try_get("at_ms")?,
                            status_code: code.and_then(|c| u16::try_from(c).ok()),
                            error: a.try_get("error")?,
                            duration_ms: a.try_get("duration_ms")?,
                        });
                    }
                }
                Ok(out)
            }

            /// Sends a finished (delivered or failed) delivery again, due at `now_ms`, with a
            /// fresh retry horizon. `NotFound` if the subscription has no such delivery,
            /// `Conflict` if it is still waiting or in flight.
            pub(crate) async fn replay_webhook_delivery(
                &self,
                webhook_id: &str,
                delivery_id: i64,
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let changed = sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at_ms = $1, created_at_ms = $1, \
                       updated_at_ms = $1 WHERE id = $2 AND webhook_id = $3 AND status IN ('delivered', 'failed') \
                       AND EXISTS (SELECT 1 FROM events e WHERE e.pos = webhook_deliveries.event_pos)",
                )
                .bind(now_ms)
                .bind(delivery_id)
                .bind(webhook_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    let status: Option<String> =
                        sqlx::query_scalar("SELECT status FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2")
                            .bind(delivery_id)
                            .bind(webhook_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(match status {
                        None => $crate::StoreError::NotFound,
                        Some(s) if s == "delivered" || s == "failed" => $crate::StoreError::Conflict(format!(
                            "delivery {delivery_id} cannot be replayed: its event was deleted by retention"
                        )),
                        Some(s) => $crate::StoreError::Conflict(format!(
                            "delivery {delivery_id} is {s}; only a delivered or failed delivery is replayed"
                        )),
                    });
                }
                tx.commit().await?;
                Ok(())
            }

            /// Retention, one batch: deletes up to `limit` published events older than
            /// `before_ms` that every subscription's cursor has passed and no delivery still
            /// waits for, and up to `limit` finished (delivered or failed) deliveries last
            /// changed before it, with their attempts. Returns the rows deleted.
            pub(crate) async fn purge_events(&self, before_ms: i64, limit: i64) -> Result<u64, $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let mut rows = 0;
                for statement in $crate::sql::deliveries::PURGE {
                    rows += sqlx::query(statement).bind(before_ms).bind(limit).execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(rows)
            }

            /// Deliveries per status, over every subscription.
            pub(crate) async fn webhook_delivery_counts(&self) -> Result<$crate::DeliveryCounts, $crate::StoreError> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT status, count(*) FROM webhook_deliveries GROUP BY status")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().collect())
            }
        }
    };
}
pub(crate) use deliveries;
