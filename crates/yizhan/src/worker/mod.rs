//! The delivery worker. [`execute`] sends one persisted dispatch through its provider client and
//! classifies the result, [`decide`] turns a failure into a retry or a dead letter, and
//! [`run::Worker`] claims due dispatches from the store, runs them and records the results.
//! Before a send, the quota ledger ([`crate::shaping`]) may defer or split the dispatch. A
//! failure that is a local shortage ([`local`]: no file descriptor left) backs off uncounted.

mod coalesce;
pub mod decide;
mod defer;
pub mod execute;
pub mod forward;
pub mod health;
pub mod local;
pub mod poll;
mod process;
mod repeat;
pub mod run;

pub use forward::Forwarder;
pub use health::ChannelHealth;
pub use run::Worker;
