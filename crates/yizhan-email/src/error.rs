//! The crate's error: refused before sending, or a failed SMTP exchange classified by
//! [`crate::reply`]. No variant ever holds the password.

use yizhan_core::FailureKind;

/// Why composing or sending an email failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The message or the settings are invalid; nothing was sent. Names the field.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field, e.g. `to[1]` or `attachments[0].content_type`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The server answered a command with a negative reply.
    #[error("SMTP {code} after {command}: {message}")]
    Reply {
        /// The reply code, e.g. 550.
        code: u16,
        /// The command it answered (`connect`, `EHLO`, `STARTTLS`, `AUTH`, `MAIL FROM`, `DATA`, …).
        command: &'static str,
        /// The server's text (no secret: servers do not echo credentials).
        message: String,
    },
    /// The connection failed or timed out, or TLS could not be set up.
    #[error("SMTP {command}: {message}")]
    Connection {
        /// The step that failed.
        command: &'static str,
        /// What happened.
        message: String,
        /// Whether the message may have been accepted although no answer was read: the whole
        /// message was written and the final reply was lost.
        ambiguous: bool,
        /// Whether this was a TLS failure (certificate, handshake), which retrying will not fix.
        tls: bool,
    },
}

impl Error {
    /// What the failure means for the next attempt.
    pub fn kind(&self) -> FailureKind {
        match self {
            Error::Invalid { .. } => FailureKind::Permanent,
            Error::Reply { code, .. } => crate::reply::kind(*code),
            Error::Connection { tls: true, .. } => FailureKind::Permanent,
            Error::Connection { .. } => FailureKind::Transient,
        }
    }

    /// The SMTP reply code, if the server answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            Error::Reply { code, .. } => Some(*code),
            Error::Invalid { .. } | Error::Connection { .. } => None,
        }
    }

    /// Whether the server may have taken the message although no answer was read.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Error::Connection { ambiguous: true, .. })
    }

    /// An invalid field.
    pub(crate) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Error {
        Error::Invalid { field: field.into(), problem: problem.into() }
    }
}
