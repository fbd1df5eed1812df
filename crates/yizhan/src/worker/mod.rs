//! The delivery worker. [`execute`] sends one persisted dispatch through its provider client and
//! classifies the result; claiming, leases and rescheduling live with the store integration.

pub mod decide;
pub mod execute;
