//! Lease renewal on PostgreSQL: the shared SQL of [`crate::sql::lease`], the claims read from
//! JSON with `json_array_elements` and the rows renewed locked in id order with `SKIP LOCKED`.

crate::sql::lease::lease!(
    PgStore,
    sqlx::Postgres,
    pairs = "SELECT (value->>0)::bigint AS id, value->>1 AS token FROM json_array_elements($1::json)",
    lock = "FOR UPDATE OF d SKIP LOCKED"
);

use super::PgStore;
