//! The client's error type.

use yizhan_core::{FailureKind, SendError};

use crate::ValidationError;

/// Why a Feishu call failed. No variant ever holds the hook id or the secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was refused before sending; it names the field and the limit.
    #[error("invalid request: {0}")]
    Invalid(#[from] ValidationError),
    /// A classified provider or transport failure.
    #[error(transparent)]
    Send(#[from] SendError),
}

impl Error {
    /// What the failure means for the next attempt.
    pub fn kind(&self) -> FailureKind {
        match self {
            Error::Invalid(_) => FailureKind::Permanent,
            Error::Send(e) => e.kind,
        }
    }

    /// The provider's code, when there was one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Invalid(_) => None,
            Error::Send(e) => e.code,
        }
    }

    /// The provider's msg or the transport description; `None` for a refusal before sending.
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            Error::Invalid(_) => None,
            Error::Send(e) => Some(&e.message),
        }
    }

    /// True when the request may have been processed although no answer was read.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Error::Send(e) if e.ambiguous)
    }
}
