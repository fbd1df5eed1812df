//! Webhook subscriptions (`webhooks`): create, keep configured ones in step, list, delete, and
//! queue events for one by moving its cursor (see [`crate::webhook`]). The delivery queue itself
//! is in [`crate::sql::deliveries`].

/// The JSON text of a list of strings.
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

/// A list of strings from its JSON text.
pub(crate) fn parse_list(text: &str) -> Result<Vec<String>, crate::StoreError> {
    serde_json::from_str(text).map_err(|e| crate::StoreError::Corrupt(format!("webhook list {text:?}: {e}")))
}

/// The columns of a subscription, for queries built with `concat!`.
macro_rules! columns {
    () => {
        "id, name, url, event_types, channels, secret, allow_private_urls, source, api_key, after_pos, created_at_ms"
    };
}
pub(crate) use columns;

/// The subscription methods of `$store` (see [`crate::sql`]).
macro_rules! webhooks {
    ($store:ident, $db:ty) => {
        fn webhook_from_row(r: &<$db as sqlx::Database>::Row) -> Result<$crate::WebhookRecord, $crate::StoreError> {
            use sqlx::Row as _;
            let source: String = r.try_get("source")?;
            let event_types: String = r.try_get("event_types")?;
            let channels: String = r.try_get("channels")?;
            Ok($crate::WebhookRecord {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                url: r.try_get("url")?,
                event_types: $crate::sql::webhooks::parse_list(&event_types)?,
                channels: $crate::sql::webhooks::parse_list(&channels)?,
                secret: r.try_get("secret")?,
                allow_private_urls: r.try_get("allow_private_urls")?,
                source: $crate::WebhookSource::parse(&source)
                    .ok_or_else(|| $crate::StoreError::Corrupt(format!("webhook source {source:?}")))?,
                api_key: r.try_get("api_key")?,
                after_pos: r.try_get("after_pos")?,
                created_at_ms: r.try_get("created_at_ms")?,
            })
        }

        impl $store {
            /// Stores a new subscription whose cursor is the newest published event (it is sent
            /// what happens from now on); `Conflict` if the id is taken.
            pub(crate) async fn create_webhook(
                &self,
                hook: &$crate::WebhookRecord,
            ) -> Result<$crate::WebhookRecord, $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let taken: Option<String> = sqlx::query_scalar("SELECT id FROM webhooks WHERE id = $1")
                    .bind(&hook.id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_some() {
                    return Err($crate::StoreError::Conflict(format!("webhook {:?} exists", hook.id)));
                }
                let row = sqlx::query(concat!(
                    "INSERT INTO webhooks (",
                    $crate::sql::webhooks::columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                       (SELECT coalesce(max(pos), 0) FROM events), $10) RETURNING ",
                    $crate::sql::webhooks::columns!()
                ))
                .bind(&hook.id)
                .bind(&hook.name)
                .bind(&hook.url)
                .bind($crate::sql::webhooks::json_list(&hook.event_types))
                .bind($crate::sql::webhooks::json_list(&hook.channels))
                .bind(&hook.secret)
                .bind(hook.allow_private_urls)
                .bind(hook.source.as_str())
                .bind(&hook.api_key)
                .bind(hook.created_at_ms)
                .fetch_one(&mut *tx)
                .await?;
                let stored = webhook_from_row(&row)?;
                tx.commit().await?;
                Ok(stored)
            }

            /// Makes the stored subscriptions of `source` exactly `hooks`: new ones start at
            /// the newest published event, changed ones keep their cursor and queue, and the
            /// others are deleted with their deliveries.
            pub(crate) async fn sync_webhooks(
                &self,
                source: $crate::WebhookSource,
                hooks: &[$crate::WebhookRecord],
            ) -> Result<(), $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                for hook in hooks {
                    sqlx::query(concat!(
                        "INSERT INTO webhooks (",
                        $crate::sql::webhooks::columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, \
                           (SELECT coalesce(max(pos), 0) FROM events), $9) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url, \
                           event_types = excluded.event_types, channels = excluded.channels, \
                           secret = excluded.secret, allow_private_urls = excluded.allow_private_urls, \
                           source = excluded.source"
                    ))
                    .bind(&hook.id)
                    .bind(&hook.name)
                    .bind(&hook.url)
                    .bind($crate::sql::webhooks::json_list(&hook.event_types))
                    .bind($crate::sql::webhooks::json_list(&hook.channels))
                    .bind(&hook.secret)
                    .bind(hook.allow_private_urls)
                    .bind(source.as_str())
                    .bind(hook.created_at_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM webhooks WHERE source = $1")
                    .bind(source.as_str())
                    .fetch_all(&mut *tx)
                    .await?;
                for gone in stored.iter().filter(|id| !hooks.iter().any(|h| &h.id == *id)) {
                    delete_webhook_in(&mut tx, gone).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            /// Every subscription, oldest first.
            pub(crate) async fn webhooks(&self) -> Result<Vec<$crate::WebhookRecord>, $crate::StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    $crate::sql::webhooks::columns!(),
                    " FROM webhooks ORDER BY created_at_ms, id"
                ))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(webhook_from_row).collect()
            }

            /// One subscription.
            pub(crate) async fn webhook(&self, id: &str) -> Result<Option<$crate::WebhookRecord>, $crate::StoreError> {
                let row =
                    sqlx::query(concat!("SELECT ", $crate::sql::webhooks::columns!(), " FROM webhooks WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.as_ref().map(webhook_from_row).transpose()
            }

            /// Deletes a subscription with its deliveries and attempts; `false` if there was none.
            pub(crate) async fn delete_webhook(&self, id: &str) -> Result<bool, $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let deleted = delete_webhook_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(deleted)
            }

            /// Moves the cursor of subscription `id` from `from` to `to` and queues a delivery
            /// for each of `events`, due at `now_ms`, in one transaction; `false` (nothing
            /// written) if the cursor was not at `from` (another feeder moved it first).
            pub(crate) async fn queue_webhook_events(
                &self,
                id: &str,
                from: i64,
                to: i64,
                events: &[$crate::QueuedEvent],
                now_ms: i64,
            ) -> Result<bool, $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let moved = sqlx::query("UPDATE webhooks SET after_pos = $1 WHERE id = $2 AND after_pos = $3")
                    .bind(to)
                    .bind(id)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if moved == 0 {
                    return Ok(false);
                }
                for chunk in events.chunks($crate::sql::events::ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO webhook_deliveries (webhook_id, event_pos, message_id, status, \
                           next_attempt_at_ms, created_at_ms, updated_at_ms) ",
                    );
                    q.push_values(chunk, |mut row, e| {
                        row.push_bind(id)
                            .push_bind(e.pos)
                            .push_bind(e.message_id.as_deref())
                            .push_bind("pending")
                            .push_bind(now_ms)
                            .push_bind(now_ms)
                            .push_bind(now_ms);
                    });
                    q.push(" ON CONFLICT (webhook_id, event_pos) DO NOTHING");
                    q.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }

        /// Deletes subscription `id` with its deliveries and their attempts inside `tx`.
        async fn delete_webhook_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: &str,
        ) -> Result<bool, $crate::StoreError> {
            sqlx::query(
                "DELETE FROM webhook_attempts WHERE delivery_id IN \
                   (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1").bind(id).execute(&mut **tx).await?;
            let deleted = sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut **tx).await?;
            Ok(deleted.rows_affected() > 0)
        }
    };
}
pub(crate) use webhooks;
