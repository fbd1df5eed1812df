//! Reads: one message with its whole history, filtered pages of messages, and a channel's
//! recent activity.

/// The read methods of `$store` (see [`crate::sql`]).
macro_rules! read {
    ($store:ident, $db:ty, $snapshot:literal) => {
        impl $store {
            /// The message with its dispatches, attempts, outcomes and handles; `None` if unknown.
            pub(crate) async fn message(
                &self,
                id: yizhan_core::MessageId,
            ) -> Result<Option<$crate::MessageRecord>, $crate::StoreError> {
                use sqlx::Row as _;
                let key = id.to_string();
                // One snapshot for the message and its history.
                let mut tx = self.pool.begin_with($snapshot).await?;
                let Some(m) =
                    sqlx::query("SELECT * FROM messages WHERE id = $1").bind(&key).fetch_optional(&mut *tx).await?
                else {
                    return Ok(None);
                };
                let mut attempts: std::collections::HashMap<i64, Vec<$crate::AttemptRecord>> =
                    std::collections::HashMap::new();
                let rows = sqlx::query(
                    "SELECT a.* FROM attempts a JOIN dispatches d ON d.id = a.dispatch_id \
                     WHERE d.message_id = $1 ORDER BY a.dispatch_id, a.number",
                )
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                for r in rows {
                    attempts.entry(r.try_get("dispatch_id")?).or_default().push($crate::rows::attempt_record(&r)?);
                }
                let mut outcomes: std::collections::HashMap<i64, Vec<$crate::RecipientOutcome>> =
                    std::collections::HashMap::new();
                let rows = sqlx::query(
                    "SELECT o.* FROM recipient_outcomes o JOIN dispatches d ON d.id = o.dispatch_id \
                     WHERE d.message_id = $1 ORDER BY o.dispatch_id, o.recipient",
                )
                .bind(&key)
                .fetch_all(&mut *tx)
                .await?;
                for r in rows {
                    outcomes.entry(r.try_get("dispatch_id")?).or_default().push($crate::rows::recipient_outcome(&r)?);
                }
                let rows = sqlx::query("SELECT * FROM dispatches WHERE message_id = $1 ORDER BY seq")
                    .bind(&key)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut dispatches = Vec::with_capacity(rows.len());
                for r in &rows {
                    dispatches.push($crate::rows::dispatch_record(r, &mut attempts, &mut outcomes)?);
                }
                tx.commit().await?;
                Ok(Some($crate::rows::message_record(&m, id, dispatches)?))
            }

            /// The body hash stored with any message of `api_key` whose idempotency key starts
            /// with `key_prefix` (batches store one derived key per item under a common prefix).
            pub(crate) async fn idempotency_hash(
                &self,
                api_key: Option<&str>,
                key_prefix: &str,
            ) -> Result<Option<String>, $crate::StoreError> {
                let hash: Option<Option<String>> = sqlx::query_scalar(
                    "SELECT idem_body_sha256 FROM messages WHERE coalesce(api_key, '') = coalesce($1, '') \
                       AND idem_key IS NOT NULL \
                       AND substr(idem_key, 1, length(CAST($2 AS TEXT))) = CAST($2 AS TEXT) LIMIT 1",
                )
                .bind(api_key)
                .bind(key_prefix)
                .fetch_optional(&self.pool)
                .await?;
                Ok(hash.flatten())
            }

            /// A page of messages matching `filter`, newest first (by creation time, then id).
            pub(crate) async fn list(&self, filter: &$crate::ListFilter) -> Result<$crate::Page, $crate::StoreError> {
                let cursor = filter.cursor.as_deref().map($crate::record::Cursor::decode).transpose()?;
                let size = filter.page_size();
                let rows = sqlx::query(
                    "SELECT id, channel, status, created_at_ms, send_at_ms, updated_at_ms FROM messages \
                     WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR channel = $2) \
                       AND ($3 IS NULL OR created_at_ms >= $3) AND ($4 IS NULL OR created_at_ms < $4) \
                       AND ($5 IS NULL OR created_at_ms < $5 OR (created_at_ms = $5 AND id < $6)) \
                       AND ($8 IS NULL OR EXISTS (SELECT 1 FROM dispatches d WHERE d.message_id = messages.id \
                            AND lower(d.recipients) LIKE $8 ESCAPE '\\')) \
                       AND ($9 IS NULL OR lower(request) LIKE $9 ESCAPE '\\') \
                     ORDER BY created_at_ms DESC, id DESC LIMIT $7",
                )
                .bind(filter.status.map(|s| s.as_str()))
                .bind(filter.channel.as_deref())
                .bind(filter.since_ms)
                .bind(filter.until_ms)
                .bind(cursor.as_ref().map(|c| c.created_at_ms))
                .bind(cursor.as_ref().map(|c| c.id.as_str()))
                .bind(i64::try_from(size + 1).unwrap_or(i64::MAX))
                .bind($crate::ListFilter::contains_pattern(filter.recipient.as_deref()))
                .bind($crate::ListFilter::contains_pattern(filter.text.as_deref()))
                .fetch_all(&self.pool)
                .await?;
                $crate::rows::summary_page(&rows, size)
            }

            /// What `channel`'s messages did: counts per status, messages created since
            /// `since_ms` per `bucket_ms`-wide slot and status, and the oldest one waiting.
            pub(crate) async fn activity(
                &self,
                channel: &str,
                since_ms: i64,
                bucket_ms: i64,
            ) -> Result<$crate::Activity, $crate::StoreError> {
                use sqlx::Row as _;
                let mut activity = $crate::Activity::default();
                let rows = sqlx::query("SELECT status, count(*) AS n FROM messages WHERE channel = $1 GROUP BY status")
                    .bind(channel)
                    .fetch_all(&self.pool)
                    .await?;
                for r in rows {
                    activity.counts.insert(r.try_get("status")?, r.try_get("n")?);
                }
                let rows = sqlx::query(
                    "SELECT (created_at_ms - $2) / $3 AS bucket, status, count(*) AS n FROM messages \
                     WHERE channel = $1 AND created_at_ms >= $2 GROUP BY 1, 2 ORDER BY 1, 2",
                )
                .bind(channel)
                .bind(since_ms)
                .bind(bucket_ms.max(1))
                .fetch_all(&self.pool)
                .await?;
                for r in rows {
                    activity.buckets.push((r.try_get("bucket")?, r.try_get("status")?, r.try_get("n")?));
                }
                let oldest = sqlx::query(
                    "SELECT id, created_at_ms FROM messages WHERE channel = $1 \
                       AND status IN ('accepted', 'dispatching', 'retrying', 'deferred') \
                     ORDER BY created_at_ms, id LIMIT 1",
                )
                .bind(channel)
                .fetch_optional(&self.pool)
                .await?;
                if let Some(r) = oldest {
                    let id: String = r.try_get("id")?;
                    let id = yizhan_core::MessageId::parse(&id)
                        .ok_or_else(|| $crate::StoreError::Invalid(format!("stored message id {id:?}")))?;
                    activity.oldest_waiting = Some((id, r.try_get("created_at_ms")?));
                }
                Ok(activity)
            }
        }
    };
}
pub(crate) use read;
