//! The HTTP service's building blocks. [`auth`] checks API keys; the router arrives with the
//! store integration.

pub mod auth;
