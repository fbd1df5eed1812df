//! The client's error type.

use yizhan_core::{FailureKind, SendError};

use crate::api::message_send::Receipt;
use crate::validate::ValidationError;

/// Why a WeCom call failed.
///
/// No variant ever holds the access token or the secret: URLs are stripped from transport
/// errors before they are stored.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was refused before sending; it names the field and the limit.
    #[error("invalid request: {0}")]
    Invalid(#[from] ValidationError),
    /// A classified provider or transport failure.
    #[error(transparent)]
    Send(#[from] SendError),
    /// Errcode 81013: every recipient was invalid. The receipt carries the rejected lists.
    #[error("{error}; rejected recipients: {}", describe_rejections(receipt))]
    Rejected {
        /// The classified failure (always `Permanent`).
        error: SendError,
        /// What WeCom reported: invalid users, parties, tags, unlicensed users, msgid.
        receipt: Box<Receipt>,
    },
    /// Media could not be fetched from its URL (the server answered an error, the connection
    /// failed or timed out). Refused URLs and size limits are [`Error::Invalid`] instead.
    #[error("media {origin}: {message}")]
    Media {
        /// The URL without its query string, which may hold credentials.
        origin: String,
        /// What went wrong.
        message: String,
        /// True when trying again later may work (network failure, timeout, HTTP 5xx).
        transient: bool,
    },
}

impl Error {
    /// What the failure means for the next attempt.
    pub fn kind(&self) -> FailureKind {
        match self {
            Error::Invalid(_) | Error::Media { transient: false, .. } => FailureKind::Permanent,
            Error::Media { transient: true, .. } => FailureKind::Transient,
            Error::Send(e) | Error::Rejected { error: e, .. } => e.kind,
        }
    }

    /// The provider's errcode, when there was one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Invalid(_) | Error::Media { .. } => None,
            Error::Send(e) | Error::Rejected { error: e, .. } => e.code,
        }
    }

    /// The provider's errmsg or the transport description.
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            Error::Invalid(_) | Error::Media { .. } => None,
            Error::Send(e) | Error::Rejected { error: e, .. } => Some(&e.message),
        }
    }

    /// True when the request may have been processed although no answer was read.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Error::Send(e) if e.ambiguous)
    }

    /// The rejected-recipient lists of an 81013 answer.
    pub fn receipt(&self) -> Option<&Receipt> {
        match self {
            Error::Rejected { receipt, .. } => Some(receipt),
            _ => None,
        }
    }
}

fn describe_rejections(r: &Receipt) -> String {
    let mut parts = Vec::new();
    for (label, list) in [
        ("users", &r.invalid_users),
        ("parties", &r.invalid_parties),
        ("tags", &r.invalid_tags),
        ("unlicensed", &r.unlicensed_users),
    ] {
        if !list.is_empty() {
            parts.push(format!("{label} {}", list.join(",")));
        }
    }
    if parts.is_empty() { "none listed".to_owned() } else { parts.join("; ") }
}
