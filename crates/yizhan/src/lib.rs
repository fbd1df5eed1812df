//! The `yizhan` application: the CLI, the configuration, and the gateway service (HTTP API,
//! outbox, delivery worker). `docs/architecture.md` follows a message through these modules.
//!
//! Library crates hold the provider logic; this crate wires configuration to them and turns
//! their classified errors into exit codes a script can act on. It is a library plus a thin
//! `main` so that integration tests can drive the same code paths.

pub mod channels;
pub mod cli;
pub mod commands;
pub mod config;
mod console;
pub mod events;
pub mod exit;
pub mod gateway;
pub mod intake;
pub mod memory;
pub mod people;
pub mod providers;
pub mod retention;
pub mod server;
pub mod shaping;
pub mod worker;
