//! Domain types shared by every yizhan crate.
//!
//! This crate does no I/O of its own. It holds the vocabulary the provider clients, the store and the
//! worker agree on:
//!
//! | item | what it is |
//! |---|---|
//! | [`FailureKind`] | what a failed delivery means for the next attempt |
//! | [`SendError`] | a classified provider or transport failure (never carries a secret) |
//! | [`RetryPolicy`] | pure back-off schedule with jitter, and the one client-side retry loop |
//! | [`transport::transport_error`] | how a failed HTTP exchange is classified, for every provider |
//! | [`MessageId`], [`RequestId`] | identifiers |
//! | [`Clock`] | the current time, injectable for tests |
//! | [`Provider`] | the closed set of providers |
//! | [`validate::ValidationError`] | a request refused before sending, naming the field and the limit |
//! | [`token::TokenCache`] | bearer-token cache: refresh ahead, single-flight, generation-checked invalidation |
//! | [`shared_token::SharedTokens`] | the seam for a token cache shared by several instances (Redis, PostgreSQL) |
//! | [`window::SlidingWindows`] | sliding-window budgets per key: the arithmetic of the quota ledger |

mod clock;
pub mod egress;
mod error;
mod id;
mod retry;
pub mod shared_token;
pub mod token;
pub mod transport;
pub mod validate;
pub mod webhook;
pub mod window;

pub use clock::{Clock, ManualClock};
pub use error::{FailureKind, Provider, SendError};
pub use id::{MessageId, RequestId};
pub use retry::RetryPolicy;
