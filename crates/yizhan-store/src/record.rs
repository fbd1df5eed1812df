//! What the store gives back: stored messages with their history, and list pages.

use yizhan_core::MessageId;

use crate::{AttemptError, DispatchStatus, Handles, MessageStatus, RecipientOutcome, StoreError};

/// The largest page `list` returns.
pub const MAX_PAGE: usize = 500;
/// The page size when the filter gives none.
pub const DEFAULT_PAGE: usize = 50;

/// A stored message with everything that happened to it.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord {
    /// Its id.
    pub id: MessageId,
    /// The channel name.
    pub channel: String,
    /// The API key that submitted it.
    pub api_key: Option<String>,
    /// The API request as accepted.
    pub request: serde_json::Value,
    /// The idempotency key it was accepted with.
    pub idempotency_key: Option<String>,
    /// The derived status.
    pub status: MessageStatus,
    /// When the first attempt was due (epoch ms).
    pub send_at_ms: i64,
    /// When it stops being sendable (epoch ms).
    pub expires_at_ms: Option<i64>,
    /// When it was accepted (epoch ms).
    pub created_at_ms: i64,
    /// When its status last changed (epoch ms).
    pub updated_at_ms: i64,
    /// Its dispatches in order.
    pub dispatches: Vec<DispatchRecord>,
}

impl MessageRecord {
    /// When the next attempt of a waiting dispatch is due (pending, retrying or deferred), the
    /// earliest if several wait; `None` when none waits.
    pub fn next_attempt_at_ms(&self) -> Option<i64> {
        self.dispatches.iter().filter(|d| d.status.is_waiting()).map(|d| d.next_attempt_at_ms).min()
    }

    /// The most recent error of any dispatch, if one failed.
    pub fn last_error(&self) -> Option<&AttemptError> {
        self.dispatches
            .iter()
            .flat_map(|d| d.attempt_log.iter())
            .filter(|a| a.error.is_some())
            .max_by_key(|a| a.at_ms)
            .and_then(|a| a.error.as_ref())
    }
}

/// One stored provider call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchRecord {
    /// Row id (what a `ClaimToken` names).
    pub id: i64,
    /// Position within the message (0-based).
    pub seq: i64,
    /// Provider endpoint.
    pub endpoint: String,
    /// The exact provider request body.
    pub body: Vec<u8>,
    /// Provider-side dedupe identity.
    pub dedupe_id: Option<String>,
    /// Recipients addressed.
    pub recipients: Vec<String>,
    /// The seq of the dispatch it waits for, if ordered (see [`crate::NewDispatch::after_seq`]).
    pub after_seq: Option<i64>,
    /// Its status.
    pub status: DispatchStatus,
    /// Counted attempts.
    pub attempts: i64,
    /// When the next attempt is due (epoch ms).
    pub next_attempt_at_ms: i64,
    /// Handles from the provider.
    pub handles: Handles,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<AttemptRecord>,
    /// Per-recipient outcomes.
    pub outcomes: Vec<RecipientOutcome>,
}

/// One recorded attempt (every `complete` writes one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// 1-based, counting every attempt of the dispatch including uncounted ones.
    pub number: i64,
    /// When it finished (epoch ms).
    pub at_ms: i64,
    /// From claim to completion, in ms.
    pub duration_ms: Option<i64>,
    /// `delivered`, `retry`, `deferred` or `dead`.
    pub result: String,
    /// Whether it used up an attempt.
    pub counted: bool,
    /// The error, for failed attempts.
    pub error: Option<AttemptError>,
}

/// A filter for `list`. All conditions are optional and combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<MessageStatus>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Created at or after (epoch ms).
    pub since_ms: Option<i64>,
    /// Created before (epoch ms).
    pub until_ms: Option<i64>,
    /// Only messages with a provider call addressed to a recipient containing this text
    /// (case-insensitive for ASCII), e.g. `alice` matches `user:alice`.
    pub recipient: Option<String>,
    /// Only messages whose accepted request contains this text (case-insensitive for ASCII).
    pub text: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size; `None` means [`DEFAULT_PAGE`], more than [`MAX_PAGE`] is cut to it.
    pub limit: Option<usize>,
}

impl ListFilter {
    /// The effective page size.
    pub fn page_size(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
    }

    /// The `LIKE` pattern (escape character: backslash) of a "contains" filter: lower-cased, with
    /// `%`, `_` and backslash matched literally. `None` for an absent or empty filter.
    pub(crate) fn contains_pattern(filter: Option<&str>) -> Option<String> {
        let needle = filter.map(str::trim).filter(|s| !s.is_empty())?.to_lowercase();
        let mut pattern = String::with_capacity(needle.len() + 2);
        pattern.push('%');
        for c in needle.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Some(pattern)
    }
}

/// What one channel's messages did, for an overview ([`crate::Store::activity`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Messages per status, all time.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// Messages created since the start of the window: `(slot, status, count)`, where slot `n`
    /// holds those created in `[since + n * bucket, since + (n + 1) * bucket)`; ordered.
    pub buckets: Vec<(i64, String, i64)>,
    /// The oldest message still waiting to be sent (`accepted`, `dispatching`, `retrying` or
    /// `deferred`): its id and creation time (epoch ms).
    pub oldest_waiting: Option<(MessageId, i64)>,
}

/// A page of messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The messages.
    pub items: Vec<MessageSummary>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A message as shown in lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    /// Its id.
    pub id: MessageId,
    /// The channel name.
    pub channel: String,
    /// Its status.
    pub status: MessageStatus,
    /// When it was accepted (epoch ms).
    pub created_at_ms: i64,
    /// When the first attempt was due (epoch ms).
    pub send_at_ms: i64,
    /// When its status last changed (epoch ms).
    pub updated_at_ms: i64,
}

/// A position in the newest-first order: `(created_at_ms, id)` of the last item shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) created_at_ms: i64,
    pub(crate) id: String,
}

impl Cursor {
    /// Encodes it as the opaque `next_cursor` string.
    pub(crate) fn encode(&self) -> String {
        format!("{}~{}", self.created_at_ms, self.id)
    }

    /// Decodes a `cursor` given back by a client.
    pub(crate) fn decode(s: &str) -> Result<Cursor, StoreError> {
        let bad = || StoreError::Invalid(format!("malformed cursor {s:?}"));
        let (ms, id) = s.split_once('~').ok_or_else(bad)?;
        let created_at_ms = ms.parse().map_err(|_| bad())?;
        let id = MessageId::parse(id).ok_or_else(bad)?.to_string();
        Ok(Cursor { created_at_ms, id })
    }
}

/// Parses a stored message id.
pub(crate) fn parse_id(s: &str) -> Result<MessageId, StoreError> {
    MessageId::parse(s).ok_or_else(|| StoreError::Corrupt(format!("message id {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor { created_at_ms: 42, id: MessageId::new().to_string() };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "42", "x~y", "42~nope"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_size_is_clamped() {
        let mut f = ListFilter::default();
        assert_eq!(f.page_size(), DEFAULT_PAGE);
        f.limit = Some(10_000);
        assert_eq!(f.page_size(), MAX_PAGE);
        f.limit = Some(0);
        assert_eq!(f.page_size(), 1);
    }
}
