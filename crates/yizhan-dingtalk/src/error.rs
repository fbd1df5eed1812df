//! The client's error type: the one of every webhook bot client.

/// Why a DingTalk call failed: refused before sending, or a classified failure. No variant
/// ever holds the access token or the secret.
pub use yizhan_core::webhook::BotError as Error;
