//! What callers hand to the store: new messages and the results of sending a dispatch.

use yizhan_core::MessageId;

/// A message to accept, with its dispatches already built.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Its id (a UUIDv7 chosen by the caller, so the 202 can name it).
    pub id: MessageId,
    /// The channel name from the configuration.
    pub channel: String,
    /// The name (or hash) of the API key that submitted it; scopes idempotency keys.
    pub api_key: Option<String>,
    /// The API request as accepted, for `GET /v1/messages/{id}` and for audits.
    pub request: serde_json::Value,
    /// The `Idempotency-Key` and the hash of the body it came with.
    pub idempotency: Option<Idempotency>,
    /// When the first attempt is due (epoch milliseconds).
    pub send_at_ms: i64,
    /// After this instant (epoch ms) nothing is sent any more; waiting dispatches become expired.
    pub expires_at_ms: Option<i64>,
    /// When the request was accepted (epoch ms).
    pub created_at_ms: i64,
    /// One entry per provider call; at least one.
    pub dispatches: Vec<NewDispatch>,
}

/// An idempotency key with the SHA-256 (hex) of the request body it was first seen with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// The client's `Idempotency-Key`.
    pub key: String,
    /// Lower-case hex SHA-256 of the request body.
    pub body_sha256: String,
}

/// One provider call of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDispatch {
    /// The exact provider request body, persisted before any send and resent unchanged.
    pub body: Vec<u8>,
    /// Which provider endpoint the body is for, e.g. `wecom.message_send`, `getui.push_single_cid`.
    pub endpoint: String,
    /// The provider-side dedupe identity (Getui `request_id`), if any.
    pub dedupe_id: Option<String>,
    /// The recipients this call addresses (user ids, cids…), for per-recipient outcomes.
    pub recipients: Vec<String>,
}

/// What `accept` did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptOutcome {
    /// Stored now, durably.
    Accepted(MessageId),
    /// The same idempotency key and body were seen before: this is the id stored then.
    Replayed(MessageId),
    /// The idempotency key was seen before with a different body: nothing stored.
    IdempotencyMismatch(MessageId),
}

impl AcceptOutcome {
    /// The id of the stored message (new or earlier).
    pub fn id(self) -> MessageId {
        match self {
            AcceptOutcome::Accepted(id) | AcceptOutcome::Replayed(id) | AcceptOutcome::IdempotencyMismatch(id) => id,
        }
    }
}

/// Handles the provider returned, needed to recall, revoke or update a message later.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handles {
    /// WeCom `msgid`.
    pub msgid: Option<String>,
    /// WeCom `response_code` of a template card.
    pub response_code: Option<String>,
    /// Getui `taskid`.
    pub taskid: Option<String>,
}

/// What happened to one recipient of a dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientOutcome {
    /// The recipient as addressed (user id, cid, alias…).
    pub recipient: String,
    /// `delivered`, `invalid`, `unlicensed`, `ignored`, `offline` or `failed`.
    pub outcome: String,
    /// Provider detail, if any.
    pub detail: Option<String>,
}

/// A classified failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError {
    /// `permanent`, `transient`, `token_expired` or `rate_limited` (`FailureKind::as_str`).
    pub kind: String,
    /// The provider's error code, if it gave one.
    pub code: Option<i64>,
    /// The provider's (or transport's) message; never a secret.
    pub message: String,
    /// Whether the request may have reached the provider (timeout after writing it).
    pub ambiguous: bool,
}

/// The result of one attempt at a claimed dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchResult {
    /// The provider accepted the call.
    Delivered {
        /// Handles for recall/update.
        handles: Handles,
        /// Per-recipient outcomes, if the provider reported any.
        outcomes: Vec<RecipientOutcome>,
    },
    /// Try again at `at_ms`.
    Retry {
        /// When the next attempt is due (epoch ms).
        at_ms: i64,
        /// `false` for rate limits and deferrals: the attempt does not use up the budget.
        counts_attempt: bool,
        /// Why.
        error: AttemptError,
    },
    /// Give up: permanent error or attempts exhausted.
    Dead {
        /// Why.
        error: AttemptError,
    },
}

/// Proof of a claim: the dispatch and the lease token it was claimed with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken {
    /// The dispatch's row id.
    pub dispatch_id: i64,
    /// A fresh random token per claim; a later claim of the same dispatch gets another.
    pub token: String,
}

/// A dispatch claimed by a worker, with everything needed to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDispatch {
    /// Pass this back to `complete` or `release`.
    pub claim: ClaimToken,
    /// The message it belongs to.
    pub message_id: MessageId,
    /// The channel to send through.
    pub channel: String,
    /// Its position within the message (0-based).
    pub seq: i64,
    /// The provider endpoint.
    pub endpoint: String,
    /// The exact body to send.
    pub body: Vec<u8>,
    /// The provider-side dedupe identity.
    pub dedupe_id: Option<String>,
    /// The recipients it addresses.
    pub recipients: Vec<String>,
    /// Counted attempts before this one.
    pub attempts: i64,
    /// The lease ends here (epoch ms); after that another worker may claim it.
    pub lease_until_ms: i64,
    /// When the message was accepted (epoch ms), for a retry policy's overall horizon.
    pub created_at_ms: i64,
    /// When the message stops being sendable (epoch ms).
    pub expires_at_ms: Option<i64>,
}

/// What `cancel` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// Nothing had been sent; the message is cancelled.
    Cancelled,
    /// Something was already sent (or is being sent); the message is left as it is.
    AlreadySent(crate::MessageStatus),
}
