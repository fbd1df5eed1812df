//! Operator actions on whole messages on PostgreSQL: the shared SQL of [`crate::sql::manage`],
//! rows locked `FOR UPDATE` (dispatch rows before the message row, the order of every other
//! transaction).

use super::PgStore;

crate::sql::manage::manage!(PgStore, sqlx::Postgres, lock = "FOR UPDATE");
