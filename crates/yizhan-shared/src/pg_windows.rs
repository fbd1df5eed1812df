//! [`PgWindows`]: [`SlidingWindows`](yizhan_core::window::SlidingWindows) semantics in PostgreSQL, for clusters without Redis.
//!
//! One row per grant in `yizhan_quota_events (key_hash, at_ms)`. A reserve is one transaction:
//! it takes a transaction-scoped advisory lock per distinct key (in sorted order, so two
//! reserves never deadlock), deletes instants at or before `now - longest`, loads the rest and
//! applies the model's arithmetic ([`blocked_until`], which counts grants stamped after `now`
//! too), and inserts the granted instants.

use std::collections::HashMap;

use sqlx::{PgPool, Row};
use yizhan_core::window::{Grant, Window, blocked_until};

use crate::Error;
use crate::keys::hash_hex;

/// Sliding-window quotas in PostgreSQL. Cheap to clone. Call [`migrate`](crate::migrate) first.
#[derive(Clone)]
pub struct PgWindows {
    pool: PgPool,
}

impl std::fmt::Debug for PgWindows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgWindows").finish_non_exhaustive()
    }
}

impl PgWindows {
    /// Windows in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        PgWindows { pool }
    }

    /// Takes one unit per key (in order) under every window, atomically across instances;
    /// exactly the answers of `SlidingWindows::reserve` on the same history.
    pub async fn reserve(&self, keys: &[String], windows: &[Window], now_ms: i64) -> Result<Vec<Grant>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let hashed: Vec<String> = keys.iter().map(|k| hash_hex(k)).collect();
        let mut distinct = hashed.clone();
        distinct.sort();
        distinct.dedup();
        let longest = windows.iter().map(|w| w.len_ms).max().unwrap_or(0);
        let horizon = now_ms - longest;

        let mut tx = self.pool.begin().await?;
        for key in &distinct {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(key).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM yizhan_quota_events WHERE key_hash = ANY($1) AND at_ms <= $2")
            .bind(&distinct)
            .bind(horizon)
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query(
            "SELECT key_hash, at_ms FROM yizhan_quota_events WHERE key_hash = ANY($1) ORDER BY key_hash, at_ms",
        )
        .bind(&distinct)
        .fetch_all(&mut *tx)
        .await?;
        let mut history: HashMap<String, Vec<i64>> = HashMap::new();
        for row in rows {
            history.entry(row.try_get("key_hash")?).or_default().push(row.try_get("at_ms")?);
        }
        let mut grants = Vec::with_capacity(hashed.len());
        let mut granted = Vec::new();
        for key in &hashed {
            let events = history.entry(key.clone()).or_default();
            match blocked_until(events, windows, now_ms) {
                Some(at) => grants.push(Grant::DeferUntil(at)),
                None => {
                    let i = events.partition_point(|&e| e <= now_ms);
                    events.insert(i, now_ms);
                    granted.push(key.clone());
                    grants.push(Grant::Granted);
                }
            }
        }
        if !granted.is_empty() {
            sqlx::query("INSERT INTO yizhan_quota_events (key_hash, at_ms) SELECT unnest($1::text[]), $2")
                .bind(&granted)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(grants)
    }

    /// Units of `key` inside `window` at `now_ms`.
    pub async fn usage(&self, key: &str, window: Window, now_ms: i64) -> Result<u32, Error> {
        let count: i64 = sqlx::query(
            "SELECT count(*) AS n FROM yizhan_quota_events WHERE key_hash = $1 AND at_ms > $2 AND at_ms <= $3",
        )
        .bind(hash_hex(key))
        .bind(now_ms - window.len_ms)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}
