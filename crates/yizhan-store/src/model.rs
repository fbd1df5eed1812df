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
    /// Dispatches with the same key may be sent together in one provider call (see
    /// [`crate::Store::coalesce`]); `None` never coalesces.
    pub coalesce_key: Option<String>,
    /// Ordering: `Some(s)` means "not claimable until the dispatch of this message with seq `s`
    /// (0-based position in [`NewMessage::dispatches`], lower than this one's) is delivered".
    /// If that one ends dead, cancelled or expired, this one ends the same way, unsent. When it
    /// is claimed it carries the handles that dispatch recorded ([`ClaimedDispatch::upstream`]).
    pub after_seq: Option<i64>,
    /// Whether resending this body after an ambiguous failure is deduplicated by the provider,
    /// decided when the message is planned; the store keeps it and hands it back with each claim.
    pub resend_safe: bool,
    /// The provider dedupes identical bodies (WeCom `enable_duplicate_check`): how the store
    /// keeps two messages from sending the same body within its window (see
    /// [`DuplicateGuard`]). `None` for bodies without such a check.
    pub duplicate: Option<DuplicateGuard>,
}

/// A body the provider deduplicates for `window_ms` after it is sent (WeCom's duplicate check
/// drops an identical request within `duplicate_check_interval`).
///
/// At its first claim the store looks for another dispatch with the same `key` whose window
/// is still open (`ClaimedDispatch::repeat_of`): sending would make the provider drop this
/// one as a duplicate. Otherwise the window of this dispatch opens at that claim (until
/// `claim + window_ms`), and a later identical dispatch finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateGuard {
    /// The identity of the body (e.g. its SHA-256 in hex); equal keys mean identical bodies.
    pub key: String,
    /// How long the provider remembers the body once sent, in milliseconds.
    pub window_ms: i64,
    /// The caller asked for dedupe: a repeat is reported as suppressed instead of being made
    /// distinct and sent. With `suppress`, only a repeated dispatch that is not dead, cancelled
    /// or expired counts.
    pub suppress: bool,
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
    /// `delivered`, `offline`, `suppressed_duplicate`, `invalid`, `unlicensed`, `ignored`,
    /// `failed` or a provider status kept verbatim (see [`crate::status`]).
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
        /// Per-recipient outcomes the provider reported with the error (WeCom 81013: every
        /// recipient `invalid`); usually none.
        outcomes: Vec<RecipientOutcome>,
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
    /// Its coalesce key while it may still be merged with others (never attempted, not merged);
    /// `None` once it carries a merged call, or if it never coalesces. `body` and `recipients`
    /// of a leader are the merged call's.
    pub coalesce_key: Option<String>,
    /// Whether it carries a merged call (a coalescing leader): such a dispatch is never split.
    pub merged: bool,
    /// Its [`DuplicateGuard`] asked for suppression of repeats (the caller asked for dedupe).
    pub suppress_repeats: bool,
    /// Set at the first claim of a guarded dispatch when another dispatch with the same body key
    /// (of this message `id`) is still inside its provider dedupe window: sent as it is, this
    /// body would be dropped by the provider. `None` otherwise (and on later claims).
    pub repeat_of: Option<MessageId>,
    /// Whether resending `body` after an ambiguous failure is safe: as planned
    /// ([`NewDispatch::resend_safe`]), as decided for a merged call ([`MergedCall::resend_safe`]),
    /// or `false` once the body was replaced ([`crate::Store::replace_body`]).
    pub resend_safe: bool,
    /// The handles recorded by the dispatch this one waits for ([`NewDispatch::after_seq`]),
    /// delivered before this one could be claimed: `None` for a dispatch that waits for none.
    /// The store hands them on as they were recorded; the provider reads what it needs.
    pub upstream: Option<Handles>,
}

/// A merged provider call built by the caller of [`crate::Store::coalesce`]: its exact body and
/// whether resending it after an ambiguous failure is safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedCall {
    /// The merged call's exact body.
    pub body: Vec<u8>,
    /// Whether a resend of `body` after an ambiguous failure is deduplicated by the provider.
    pub resend_safe: bool,
}

/// A merged provider call, persisted by [`crate::Store::coalesce`] before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coalesced {
    /// The member dispatches (row ids) now riding with the leader.
    pub members: Vec<i64>,
    /// The merged call's recipients: the leader's, then each member's not yet listed.
    pub recipients: Vec<String>,
    /// The merged call's exact body.
    pub body: Vec<u8>,
    /// Whether a resend of the merged call after an ambiguous failure is safe (as built).
    pub resend_safe: bool,
}

/// What `cancel` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// Nothing had been sent; the message is cancelled.
    Cancelled,
    /// Something was already sent (or is being sent); the message is left as it is.
    AlreadySent(crate::MessageStatus),
}

/// One side of a split dispatch: its exact body and the recipients that body addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchPart {
    /// The exact provider request body of this part.
    pub body: Vec<u8>,
    /// The recipients it addresses (a subset of the original's).
    pub recipients: Vec<String>,
}

/// A provider call that went out (or may have), for rebuilding the quota ledger after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDispatch {
    /// The message's channel.
    pub channel: String,
    /// The provider endpoint.
    pub endpoint: String,
    /// The recipients it addressed.
    pub recipients: Vec<String>,
    /// When it was sent (epoch ms): the attempt's record time, or the claim time of a dispatch
    /// still in flight.
    pub at_ms: i64,
}

/// Checks that every `after_seq` names an earlier dispatch of the same message.
pub(crate) fn check_order(msg: &NewMessage) -> Result<(), crate::StoreError> {
    for (seq, d) in msg.dispatches.iter().enumerate() {
        let Some(after) = d.after_seq else { continue };
        if !usize::try_from(after).is_ok_and(|a| a < seq) {
            return Err(crate::StoreError::Invalid(format!(
                "message {}: dispatch {seq} waits for dispatch {after}, which is not an earlier one",
                msg.id
            )));
        }
    }
    Ok(())
}
