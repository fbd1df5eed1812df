//! Callback forwards: provider callbacks (decrypted) waiting to be POSTed to a channel's
//! `forward_url`, claimed under a lease and retried like dispatches, but outside any message.

/// A callback to forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewForward {
    /// The channel the callback came for.
    pub channel: String,
    /// Where to POST it.
    pub url: String,
    /// The exact JSON body to POST.
    pub body: Vec<u8>,
    /// When it was received (epoch ms); also when the first attempt is due.
    pub created_at_ms: i64,
}

/// A forward claimed by a forwarder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedForward {
    /// Its row id.
    pub id: i64,
    /// The lease token; pass it back to `complete_forward`.
    pub token: String,
    /// The channel.
    pub channel: String,
    /// Where to POST it.
    pub url: String,
    /// The body.
    pub body: Vec<u8>,
    /// Failed attempts before this one.
    pub attempts: i64,
    /// When it was received (epoch ms).
    pub created_at_ms: i64,
}

/// The result of one forward attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardResult {
    /// The target answered 2xx.
    Delivered,
    /// Try again at `at_ms`.
    Retry {
        /// When (epoch ms).
        at_ms: i64,
        /// What went wrong (no secret: status code or transport error).
        error: String,
    },
    /// Give up.
    Dead {
        /// Why.
        error: String,
    },
}

/// A stored forward, for inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRecord {
    /// Its row id.
    pub id: i64,
    /// The channel.
    pub channel: String,
    /// `pending`, `in_flight`, `delivered` or `dead`.
    pub status: String,
    /// Failed attempts so far (a delivered attempt is counted too).
    pub attempts: i64,
    /// The last error, if any.
    pub last_error: Option<String>,
}
