//! Ordered dispatches (`after_seq`): ending waiting successors of a failed dispatch. (A successor
//! claimed after its predecessor was delivered gets that one's handles with the claim.)

use std::collections::BTreeSet;

use sqlx::{Row, Sqlite, Transaction};

use super::claim::insert_attempt;
use crate::{AttemptError, StoreError};

/// Ends every waiting dispatch whose predecessor ended `dead`, `cancelled` or `expired` the same
/// way, unsent, with an uncounted attempt row saying why; repeats along chains. Returns the ids
/// of the messages it touched (their status must be refreshed by the caller).
pub(super) async fn end_orphans(
    tx: &mut Transaction<'static, Sqlite>,
    message_id: Option<&str>,
    now_ms: i64,
) -> Result<BTreeSet<String>, StoreError> {
    let mut touched = BTreeSet::new();
    loop {
        let rows = sqlx::query(
            "SELECT w.id, w.message_id, w.after_seq, p.status AS after_status, \
               (SELECT coalesce(max(number), 0) + 1 FROM attempts a WHERE a.dispatch_id = w.id) AS number \
             FROM dispatches w JOIN dispatches p ON p.message_id = w.message_id AND p.seq = w.after_seq \
             WHERE w.after_seq IS NOT NULL AND (?1 IS NULL OR w.message_id = ?1) \
               AND w.status IN ('pending', 'retrying', 'deferred') \
               AND p.status IN ('dead', 'cancelled', 'expired')",
        )
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
                "UPDATE dispatches SET status = ?1, lease_owner = NULL, lease_token = NULL, \
                   lease_until_ms = NULL, claimed_at_ms = NULL, updated_at_ms = ?2 WHERE id = ?3",
            )
            .bind(&status)
            .bind(now_ms)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            let error = AttemptError {
                kind: "permanent".to_owned(),
                code: None,
                message: format!("not sent: it waits for dispatch {after} of this message, which ended {status}"),
                ambiguous: false,
            };
            let number: i64 = r.try_get("number")?;
            insert_attempt(tx, id, number, now_ms, None, &status, false, Some(&error)).await?;
            touched.insert(r.try_get("message_id")?);
        }
    }
}
