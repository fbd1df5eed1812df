//! Lease renewal on SQLite: the shared SQL of [`crate::sql::lease`], the claims read from JSON
//! with `json_each`.

crate::sql::lease::lease!(
    SqliteStore,
    sqlx::Sqlite,
    pairs = "SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS token FROM json_each($1)",
    lock = ""
);

use super::SqliteStore;
