//! Operator actions on whole messages: cancel, retry, mark recalled, and the status counts.

/// The operator actions of `$store` on `$db`. `$lock` locks the rows read (PostgreSQL:
/// `FOR UPDATE`; cancel and retry lock the message's dispatch rows before the message row, the
/// same order as claims and completions, so they never deadlock with a worker on another
/// instance; SQLite: nothing, one writer at a time).
macro_rules! manage {
    ($store:ident, $db:ty, lock = $lock:literal) => {
        impl $store {
            /// Cancels a message if nothing of it was sent or is being sent.
            ///
            /// "Sent" is judged conservatively: any dispatch that is not `pending`, that has an
            /// attempt on record, or that takes part in a merged call (coalescing), counts. Cancelling
            /// a cancelled message answers `Cancelled` again.
            pub(crate) async fn cancel(
                &self,
                id: yizhan_core::MessageId,
                now_ms: i64,
            ) -> Result<$crate::CancelOutcome, $crate::StoreError> {
                let id = id.to_string();
                let mut tx = self.begin_write().await?;
                // "Started" never reverts (attempt rows and memberships stay), so a message seen started
                // without locks is answered without locking anything: a cancel then never waits for a
                // completion that holds a coalesced leader and wants this message's member rows.
                if let Some(outcome) = settled(&mut tx, &id).await? {
                    return Ok(outcome);
                }
                lock_dispatches(&mut tx, &id).await?;
                if let Some(outcome) = settled(&mut tx, &id).await? {
                    return Ok(outcome);
                }
                let status = current_status(&mut tx, &id).await?;
                if status.is_final() {
                    return Ok($crate::CancelOutcome::AlreadySent(status));
                }
                sqlx::query("UPDATE dispatches SET status = 'cancelled', updated_at_ms = $1 WHERE message_id = $2")
                    .bind(now_ms)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                set_status(&mut tx, &id, $crate::MessageStatus::Cancelled, now_ms).await?;
                tx.commit().await?;
                Ok($crate::CancelOutcome::Cancelled)
            }

            /// Replays a `dead` (or `partially_delivered`) message: its dead dispatches become
            /// `pending` again, due at `now_ms`, with their attempt budget reset and their bodies
            /// unchanged; wakes the workers of every instance. `false` if there was nothing to replay.
            pub(crate) async fn retry(
                &self,
                id: yizhan_core::MessageId,
                now_ms: i64,
            ) -> Result<bool, $crate::StoreError> {
                let id = id.to_string();
                let mut tx = self.begin_write().await?;
                lock_dispatches(&mut tx, &id).await?;
                let status = current_status(&mut tx, &id).await?;
                if !matches!(status, $crate::MessageStatus::Dead | $crate::MessageStatus::PartiallyDelivered) {
                    return Ok(false);
                }
                // A replayed dispatch goes alone with its own body: it leaves any merged call it was in
                // (a dead merged call is dead for all its members; each replays by itself).
                sqlx::query(
                    "DELETE FROM dispatch_members WHERE member_id IN (SELECT id FROM dispatches \
                       WHERE message_id = $1 AND status = 'dead') \
                     OR leader_id IN (SELECT id FROM dispatches WHERE message_id = $1 AND status = 'dead')",
                )
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                let reset = sqlx::query(
                    "UPDATE dispatches SET status = 'pending', attempts = 0, next_attempt_at_ms = $1, \
                       lease_owner = NULL, lease_token = NULL, lease_until_ms = NULL, updated_at_ms = $1, \
                       merged_body = NULL, merged_recipients = NULL, coalesce_key = NULL, dup_until_ms = NULL \
                     WHERE message_id = $2 AND status = 'dead'",
                )
                .bind(now_ms)
                .bind(&id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if reset == 0 {
                    return Ok(false);
                }
                let previous = status;
                let status = super::status::refresh(&mut tx, &id, Some(now_ms)).await?;
                let replayed = $crate::sql::events::MessageEvent {
                    kind: $crate::sql::events::kind::RETRYING,
                    message_id: id.clone(),
                    at_ms: now_ms,
                    data: serde_json::json!({"status": status.as_str(), "previous": previous.as_str(), "replayed": true}),
                };
                super::events::insert(&mut tx, &[replayed]).await?;
                super::notify_due(&mut tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            /// Records that a delivered message was recalled or revoked at the provider.
            pub(crate) async fn mark_recalled(
                &self,
                id: yizhan_core::MessageId,
                now_ms: i64,
            ) -> Result<(), $crate::StoreError> {
                let id = id.to_string();
                let mut tx = self.begin_write().await?;
                match current_status(&mut tx, &id).await? {
                    $crate::MessageStatus::Recalled => return Ok(()),
                    $crate::MessageStatus::Delivered | $crate::MessageStatus::PartiallyDelivered => {}
                    other => {
                        return Err($crate::StoreError::Conflict(format!("cannot recall a message that is {other}")));
                    }
                }
                set_status(&mut tx, &id, $crate::MessageStatus::Recalled, now_ms).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Whether the store answers and holds the outbox schema: one indexed read, however many
            /// messages are stored.
            pub(crate) async fn ping(&self) -> Result<(), $crate::StoreError> {
                sqlx::query("SELECT 1 FROM messages LIMIT 1").fetch_optional(&self.pool).await?;
                Ok(())
            }

            /// The number of messages in each status (every status present, zero included).
            pub(crate) async fn counts(&self) -> Result<std::collections::BTreeMap<String, i64>, $crate::StoreError> {
                use sqlx::Row as _;
                let mut out: std::collections::BTreeMap<String, i64> =
                    $crate::MessageStatus::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
                let rows = sqlx::query("SELECT status, count(*) AS n FROM messages GROUP BY status")
                    .fetch_all(&self.pool)
                    .await?;
                for r in rows {
                    out.insert(r.try_get("status")?, r.try_get("n")?);
                }
                Ok(out)
            }
        }

        /// The answer to a cancel if message `id` is cancelled already or anything of it was sent or is
        /// being sent (any dispatch not `pending`, with an attempt on record, or in a merged call).
        async fn settled(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: &str,
        ) -> Result<Option<$crate::CancelOutcome>, $crate::StoreError> {
            use sqlx::Row as _;
            let row = sqlx::query(
                "SELECT m.status, EXISTS (SELECT 1 FROM dispatches d WHERE d.message_id = m.id \
                   AND (d.status <> 'pending' OR d.attempts > 0 OR d.merged_body IS NOT NULL \
                        OR EXISTS (SELECT 1 FROM attempts a WHERE a.dispatch_id = d.id) \
                        OR EXISTS (SELECT 1 FROM dispatch_members dm WHERE dm.member_id = d.id))) AS started \
                 FROM messages m WHERE m.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or($crate::StoreError::NotFound)?;
            let status: $crate::MessageStatus = row.try_get::<String, _>("status")?.parse()?;
            Ok(if status == $crate::MessageStatus::Cancelled {
                Some($crate::CancelOutcome::Cancelled)
            } else if row.try_get("started")? {
                Some($crate::CancelOutcome::AlreadySent(status))
            } else {
                None
            })
        }

        /// Locks every dispatch of message `id`, in id order.
        async fn lock_dispatches(tx: &mut sqlx::Transaction<'static, $db>, id: &str) -> Result<(), $crate::StoreError> {
            sqlx::query(concat!("SELECT id FROM dispatches WHERE message_id = $1 ORDER BY id ", $lock))
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
            Ok(())
        }

        /// The message's status, its row locked for the rest of the transaction.
        async fn current_status(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: &str,
        ) -> Result<$crate::MessageStatus, $crate::StoreError> {
            let status: String = sqlx::query_scalar(concat!("SELECT status FROM messages WHERE id = $1 ", $lock))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
            status.parse()
        }

        async fn set_status(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: &str,
            status: $crate::MessageStatus,
            now_ms: i64,
        ) -> Result<(), $crate::StoreError> {
            let previous = current_status(tx, id).await?;
            sqlx::query("UPDATE messages SET status = $1, updated_at_ms = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now_ms)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            if let Some(event) = $crate::sql::events::MessageEvent::status_change(id, previous, status, now_ms) {
                super::events::insert(tx, &[event]).await?;
            }
            Ok(())
        }
    };
}
pub(crate) use manage;
