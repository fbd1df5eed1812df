//! Keeps `messages.status` in step with the message's dispatches, inside the caller's
//! transaction, and checks leases: the shared SQL of [`crate::sql::status`], the rows read
//! `FOR UPDATE`.

crate::sql::status::status!(sqlx::Postgres, lock = "FOR UPDATE");
