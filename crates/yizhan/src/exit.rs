//! Exit codes: 0 sent, 2 usage or validation error, 3 permanent provider error, 4 transient
//! error after retries. Scripts rely on these; they are part of the interface.

use std::process::ExitCode;

use yizhan_core::FailureKind;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Success,
    /// Bad arguments, configuration or message content (exit 2).
    Usage,
    /// The provider refused for good (exit 3).
    Permanent,
    /// Still failing after retries; may work later (exit 4).
    Transient,
    /// Something else: I/O, runtime (exit 1).
    Failure,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        ExitCode::from(match o {
            Outcome::Success => 0,
            Outcome::Failure => 1,
            Outcome::Usage => 2,
            Outcome::Permanent => 3,
            Outcome::Transient => 4,
        })
    }
}

/// The outcome for a failure kind.
pub fn outcome_of_kind(kind: FailureKind) -> Outcome {
    match kind {
        FailureKind::Permanent => Outcome::Permanent,
        FailureKind::Transient | FailureKind::TokenExpired | FailureKind::RateLimited { .. } => Outcome::Transient,
    }
}

/// A usage error: wrong arguments, configuration or content.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Maps an error chain to an outcome: usage, config and validation errors → 2, provider errors
/// by their kind.
pub fn outcome_of(error: &anyhow::Error) -> Outcome {
    for cause in error.chain() {
        if cause.is::<UsageError>()
            || cause.is::<crate::config::ConfigError>()
            || cause.is::<yizhan_core::validate::ValidationError>()
        {
            return Outcome::Usage;
        }
        if let Some(e) = cause.downcast_ref::<yizhan_wecom::Error>() {
            return match e {
                yizhan_wecom::Error::Invalid(_) => Outcome::Usage,
                other => outcome_of_kind(other.kind()),
            };
        }
        if let Some(failed) = cause.downcast_ref::<crate::providers::Failed>() {
            return outcome_of_kind(failed.kind);
        }
        if let Some(e) = cause.downcast_ref::<yizhan_getui::Error>() {
            return match e {
                yizhan_getui::Error::Invalid(_) => Outcome::Usage,
                yizhan_getui::Error::Send(e) => outcome_of_kind(e.kind),
            };
        }
    }
    Outcome::Failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use yizhan_core::{Provider, SendError};

    #[test]
    fn errors_map_to_documented_codes() {
        let usage = anyhow::Error::new(UsageError("x".into()));
        assert_eq!(outcome_of(&usage), Outcome::Usage);
        let invalid = yizhan_wecom::Error::Invalid(yizhan_wecom::validate::ValidationError::new("f", "bad"));
        assert_eq!(outcome_of(&anyhow::Error::new(invalid)), Outcome::Usage);
        let permanent = SendError::provider(Provider::Wecom, FailureKind::Permanent, 60020, "ip");
        let e = anyhow::Error::new(yizhan_wecom::Error::Send(permanent)).context("sending");
        assert_eq!(outcome_of(&e), Outcome::Permanent);
        let busy = SendError::provider(Provider::Wecom, FailureKind::Transient, -1, "busy");
        assert_eq!(outcome_of(&anyhow::Error::new(yizhan_wecom::Error::Send(busy))), Outcome::Transient);
        assert_eq!(outcome_of(&anyhow::anyhow!("io")), Outcome::Failure);
        let quota = SendError::provider(Provider::Getui, FailureKind::RateLimited { retry_after: None }, 30014, "q");
        assert_eq!(outcome_of(&anyhow::Error::new(yizhan_getui::Error::Send(quota))), Outcome::Transient);
        let invalid = yizhan_getui::validate::ValidationError::new("request_id", "short");
        assert_eq!(outcome_of(&anyhow::Error::new(invalid)), Outcome::Usage);
        assert_eq!(ExitCode::from(Outcome::Transient), ExitCode::from(4));
    }
}
