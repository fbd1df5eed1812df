//! End-to-end tests of the emulator over real HTTP with reqwest.

#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod cards;
mod control;
mod faults;
mod gettoken;
mod limits;
mod recipients;
mod send;
mod support;
mod validation;
