//! The one SQL layer of the store: each query is written once, in SQL both backends run
//! (numbered `$n` placeholders, which SQLite takes as well), and each backend instantiates the
//! layer once with [`layer!`], supplying only what really differs:
//!
//! | dialect | SQLite | PostgreSQL |
//! |---|---|---|
//! | `token`: a fresh random lease token | `lower(hex(randomblob(16)))` | `replace(gen_random_uuid()::text, '-', '')` |
//! | `skip_locked`: after a SELECT that picks rows to lease | nothing (one writer at a time) | `FOR UPDATE SKIP LOCKED` |
//! | `snapshot`: how a multi-query read starts | `BEGIN` | `BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY` |
//!
//! and, on its store type, a `pool` and `begin_write()` (SQLite: `BEGIN IMMEDIATE`, which takes
//! the write lock at once; PostgreSQL: `BEGIN`). The layer is a set of macros because sqlx's
//! query functions are typed by their database: the text below exists once and is compiled for
//! each backend's types.

pub(crate) mod accept;
pub(crate) mod cards;
pub(crate) mod claim;
pub(crate) mod coalesce;
pub(crate) mod complete;
pub(crate) mod deliveries;
pub(crate) mod events;
pub(crate) mod forward;
pub(crate) mod group;
pub(crate) mod hot;
pub(crate) mod lease;
pub(crate) mod manage;
pub(crate) mod merge;
pub(crate) mod order;
pub(crate) mod purge;
pub(crate) mod quota;
pub(crate) mod read;
pub(crate) mod repeat;
pub(crate) mod status;
pub(crate) mod webhooks;

/// The waiting dispatch statuses (those [`crate::DispatchStatus::is_waiting`] names) as an SQL
/// list, for `status IN ` in queries built with `concat!`.
macro_rules! waiting {
    () => {
        "('pending', 'retrying', 'deferred')"
    };
}
pub(crate) use waiting;

/// A subquery yielding the rows of a JSON array bound at placeholder `$p`, one column `value`:
/// `text` for an array of strings, `int` for an array of integers; `text_pairs` for an array of
/// two-string arrays, columns `k0` and `k1`. `json_list!(sqlite, text, "$1")` is
/// `SELECT value FROM json_each($1)`; on PostgreSQL `json_array_elements_text`, cast for
/// integers. Lists are bound as JSON text on both backends, so one Rust value serves both.
macro_rules! json_list {
    (sqlite, text, $p:literal) => {
        concat!("SELECT value FROM json_each(", $p, ")")
    };
    (sqlite, int, $p:literal) => {
        concat!("SELECT value FROM json_each(", $p, ")")
    };
    (postgres, text, $p:literal) => {
        concat!("SELECT json_array_elements_text(", $p, "::json)")
    };
    (postgres, int, $p:literal) => {
        concat!("SELECT json_array_elements_text(", $p, "::json)::bigint")
    };
    (sqlite, text_pairs, $p:literal) => {
        concat!("SELECT json_extract(value, '$[0]') AS k0, json_extract(value, '$[1]') AS k1 FROM json_each(", $p, ")")
    };
    (postgres, text_pairs, $p:literal) => {
        concat!("SELECT value->>0 AS k0, value->>1 AS k1 FROM json_array_elements(", $p, "::json)")
    };
}
pub(crate) use json_list;

/// Instantiates the shared SQL layer for one backend: `layer!(Store, Database, token = "…",
/// skip_locked = "…", snapshot = "…")` (see the module docs).
macro_rules! layer {
    ($store:ident, $db:ty, token = $token:literal, skip_locked = $skip:literal, snapshot = $snapshot:literal) => {
        $crate::sql::read::read!($store, $db, $snapshot);
        $crate::sql::forward::forward!($store, $db, $token, $skip);
        $crate::sql::webhooks::webhooks!($store, $db);
        $crate::sql::deliveries::deliveries!($store, $db, $token, $skip);
        $crate::sql::cards::cards!($store, $db, $skip);
    };
}
pub(crate) use layer;

#[cfg(test)]
mod tests {
    use crate::DispatchStatus;

    #[test]
    fn the_waiting_list_names_exactly_the_waiting_statuses() {
        let listed: Vec<&str> = waiting!().trim_matches(['(', ')']).split(", ").map(|s| s.trim_matches('\'')).collect();
        let waiting: Vec<&str> = DispatchStatus::ALL.iter().filter(|s| s.is_waiting()).map(|s| s.as_str()).collect();
        assert_eq!(listed, waiting);
    }
}
