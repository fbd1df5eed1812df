//! The delivery worker. [`execute`] sends one persisted dispatch through its provider client and
//! classifies the result, [`decide`] turns a failure into a retry or a dead letter, and
//! [`run::Worker`] claims due dispatches from the store, runs them and records the results.

pub mod decide;
pub mod execute;
mod process;
pub mod run;

pub use run::Worker;
