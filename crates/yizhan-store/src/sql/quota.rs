//! What the quota ledger needs from the outbox: split a claimed dispatch into the part that goes
//! now and a deferred part, list recent sends to rebuild the ledger after a restart, and count
//! dispatches by status for `/metrics`.

/// The quota methods of `$store` on `$db`. `$lock` locks the message row before the new `seq`
/// is picked (PostgreSQL: `FOR UPDATE`, so two instances splitting dispatches of one message
/// never pick the same one); the backend's `notify_due` tells every instance's worker of the
/// deferred part (PostgreSQL `NOTIFY`; SQLite: nothing to tell, one process).
macro_rules! quota {
    ($store:ident, $db:ty, lock = $lock:literal) => {
        impl $store {
            /// Splits the dispatch held by `claim`: it keeps `keep` (body and recipients, still
            /// claimed under the same lease) and a new dispatch of the same message and endpoint,
            /// `deferred` until `defer_until_ms`, takes `defer`. Returns the new dispatch's id.
            ///
            /// Both bodies are committed before the caller sends `keep`, so a retry of either
            /// part resends exactly its own body. The new dispatch has no dedupe id (a provider
            /// id shared by the two parts would make the provider drop one), the resend safety of
            /// the original, and zero counted attempts; an uncounted `deferred` attempt records
            /// why it waits.
            #[allow(clippy::too_many_arguments)]
            pub(crate) async fn split_dispatch(
                &self,
                claim: &$crate::ClaimToken,
                keep: $crate::DispatchPart,
                defer: $crate::DispatchPart,
                defer_until_ms: i64,
                reason: &str,
                now_ms: i64,
            ) -> Result<i64, $crate::StoreError> {
                use $crate::StoreError;
                if keep.recipients.is_empty() || defer.recipients.is_empty() {
                    return Err(StoreError::Invalid("a split needs recipients on both sides".to_owned()));
                }
                let encode = |r: &[String]| serde_json::to_string(r).map_err(|e| StoreError::Invalid(e.to_string()));
                let mut tx = self.begin_write().await?;
                let (message_id, _) = super::status::check_lease(&mut tx, claim).await?;
                sqlx::query(concat!("SELECT 1 FROM messages WHERE id = $1 ", $lock))
                    .bind(&message_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE dispatches SET body = $1, recipients = $2, updated_at_ms = $3 WHERE id = $4")
                    .bind(&keep.body)
                    .bind(encode(&keep.recipients)?)
                    .bind(now_ms)
                    .bind(claim.dispatch_id)
                    .execute(&mut *tx)
                    .await?;
                let new_id: i64 = sqlx::query_scalar(
                    "INSERT INTO dispatches (message_id, seq, endpoint, body, dedupe_id, recipients, status, \
                       attempts, next_attempt_at_ms, updated_at_ms, resend_safe) \
                     SELECT message_id, (SELECT max(seq) + 1 FROM dispatches WHERE message_id = d.message_id), \
                       endpoint, $1, NULL, $2, $3, 0, $4, $5, resend_safe FROM dispatches d WHERE id = $6 \
                     RETURNING id",
                )
                .bind(&defer.body)
                .bind(encode(&defer.recipients)?)
                .bind($crate::DispatchStatus::Deferred.as_str())
                .bind(defer_until_ms)
                .bind(now_ms)
                .bind(claim.dispatch_id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO attempts (dispatch_id, number, at_ms, duration_ms, result, counted, error_kind, \
                       error_code, error_message, ambiguous) \
                     VALUES ($1, 1, $2, NULL, 'deferred', FALSE, 'rate_limited', NULL, $3, FALSE)",
                )
                .bind(new_id)
                .bind(now_ms)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
                super::status::refresh(&mut tx, &message_id, Some(now_ms)).await?;
                super::notify_due(&mut tx).await?;
                tx.commit().await?;
                Ok(new_id)
            }

            /// Provider calls made after `since_ms`, oldest first: attempts that were delivered
            /// or may have reached the provider (ambiguous), and dispatches still in flight
            /// (claimed after `since_ms`), which may have been sent by a worker that crashed.
            pub(crate) async fn sent_since(
                &self,
                since_ms: i64,
            ) -> Result<Vec<$crate::SentDispatch>, $crate::StoreError> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT m.channel, d.endpoint, d.recipients, a.at_ms FROM attempts a \
                       JOIN dispatches d ON d.id = a.dispatch_id JOIN messages m ON m.id = d.message_id \
                     WHERE a.at_ms > $1 AND (a.result = 'delivered' OR a.ambiguous = TRUE) \
                     UNION ALL \
                     SELECT m.channel, d.endpoint, d.recipients, d.claimed_at_ms FROM dispatches d \
                       JOIN messages m ON m.id = d.message_id \
                     WHERE d.status = 'in_flight' AND d.claimed_at_ms > $1 \
                     ORDER BY 4",
                )
                .bind(since_ms)
                .fetch_all(&self.pool)
                .await?;
                let mut sent = Vec::with_capacity(rows.len());
                for r in rows {
                    let recipients: String = r.try_get("recipients")?;
                    sent.push($crate::SentDispatch {
                        channel: r.try_get("channel")?,
                        endpoint: r.try_get("endpoint")?,
                        recipients: serde_json::from_str(&recipients)
                            .map_err(|e| $crate::StoreError::Corrupt(format!("recipients: {e}")))?,
                        at_ms: r.try_get(3)?,
                    });
                }
                Ok(sent)
            }

            /// Dispatches per status.
            pub(crate) async fn dispatch_counts(
                &self,
            ) -> Result<std::collections::BTreeMap<String, i64>, $crate::StoreError> {
                use sqlx::Row as _;
                let rows = sqlx::query("SELECT status, count(*) AS n FROM dispatches GROUP BY status")
                    .fetch_all(&self.pool)
                    .await?;
                let mut counts = std::collections::BTreeMap::new();
                for r in rows {
                    counts.insert(r.try_get("status")?, r.try_get("n")?);
                }
                Ok(counts)
            }
        }
    };
}
pub(crate) use quota;
