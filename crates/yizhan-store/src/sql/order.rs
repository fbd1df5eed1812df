//! Ordered dispatches (`after_seq`): ending the waiting successors of a failed dispatch, and the
//! attempt rows every completion writes. (A successor claimed after its predecessor was
//! delivered gets that one's handles with the claim.)

/// `insert_attempt` and `end_orphans` on `$db`; `$lock` locks the waiting rows picked
/// (PostgreSQL: `FOR UPDATE OF w SKIP LOCKED`, so ending orphans never waits for a lock and a
/// skipped row is ended by a later claim; SQLite: nothing, one writer at a time).
macro_rules! order {
    ($db:ty, lock = $lock:literal) => {
        /// Writes one `attempts` row.
        #[allow(clippy::too_many_arguments)]
        pub(super) async fn insert_attempt(
            tx: &mut sqlx::Transaction<'static, $db>,
            dispatch_id: i64,
            number: i64,
            now_ms: i64,
            claimed_at_ms: Option<i64>,
            result: &str,
            counted: bool,
            error: Option<&$crate::AttemptError>,
        ) -> Result<(), $crate::StoreError> {
            sqlx::query(
                "INSERT INTO attempts (dispatch_id, number, at_ms, duration_ms, result, counted, \
                   error_kind, error_code, error_message, ambiguous) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(dispatch_id)
            .bind(number)
            .bind(now_ms)
            .bind(claimed_at_ms.map(|c| now_ms.saturating_sub(c).max(0)))
            .bind(result)
            .bind(counted)
            .bind(error.map(|e| e.kind.as_str()))
            .bind(error.and_then(|e| e.code))
            .bind(error.map(|e| e.message.as_str()))
            .bind(error.is_some_and(|e| e.ambiguous))
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Ends every waiting dispatch (of `message_id`, or of any message) whose predecessor
        /// ended `dead`, `cancelled` or `expired` the same way, unsent, with an uncounted attempt
        /// row saying why; repeats along chains. Returns the ids of the messages it touched
        /// (their status must be refreshed by the caller).
        pub(super) async fn end_orphans(
            tx: &mut sqlx::Transaction<'static, $db>,
            message_id: Option<&str>,
            now_ms: i64,
        ) -> Result<std::collections::BTreeSet<String>, $crate::StoreError> {
            use sqlx::Row as _;
            let mut touched = std::collections::BTreeSet::new();
            loop {
                let rows = sqlx::query(concat!(
                    "SELECT w.id, w.message_id, w.after_seq, p.status AS after_status, \
                       (SELECT coalesce(max(number), 0) + 1 FROM attempts a WHERE a.dispatch_id = w.id) AS number \
                     FROM dispatches w JOIN dispatches p ON p.message_id = w.message_id AND p.seq = w.after_seq \
                     WHERE w.after_seq IS NOT NULL AND (CAST($1 AS TEXT) IS NULL OR w.message_id = $1) \
                       AND w.status IN ",
                    $crate::sql::waiting!(),
                    " AND p.status IN ('dead', 'cancelled', 'expired') ORDER BY w.id ",
                    $lock
                ))
                .bind(message_id)
                .fetch_all(&mut **tx)
                .await?;
                if rows.is_empty() {
                    return Ok(touched);
                }
                for r in rows {
                    let id: i64 = r.try_get("id")?;
                    let after: i64 = r.try_get("after_seq")?;
                    let status: String = r.try_get("after_status")?;
                    sqlx::query(
                        "UPDATE dispatches SET status = $1, lease_owner = NULL, lease_token = NULL, \
                           lease_until_ms = NULL, claimed_at_ms = NULL, updated_at_ms = $2 WHERE id = $3",
                    )
                    .bind(&status)
                    .bind(now_ms)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                    let error = $crate::AttemptError {
                        kind: "permanent".to_owned(),
                        code: None,
                        message: format!(
                            "not sent: it waits for dispatch {after} of this message, which ended {status}"
                        ),
                        ambiguous: false,
                    };
                    let number: i64 = r.try_get("number")?;
                    insert_attempt(tx, id, number, now_ms, None, &status, false, Some(&error)).await?;
                    touched.insert(r.try_get("message_id")?);
                }
            }
        }
    };
}
pub(crate) use order;
