//! What executing a dispatch gives back, whatever the provider: the handles and per-recipient
//! outcomes of a successful call ([`Delivered`]), or a classified failure ([`Failed`]).

use yizhan_core::FailureKind;

/// Provider handles kept for later recall, revoke or card updates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handles {
    /// WeCom msgid.
    pub msgid: Option<String>,
    /// WeCom response_code of an interactive card.
    pub response_code: Option<String>,
    /// Getui taskid.
    pub taskid: Option<String>,
}

/// What a recipient got: `delivered`, `invalid`, `unlicensed`, `offline`, `ignored`, or a
/// provider status kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientOutcome {
    /// The recipient as addressed (userid, cid, alias, `group`).
    pub recipient: String,
    /// The outcome.
    pub outcome: String,
}

/// A successful provider call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Handles for later operations.
    pub handles: Handles,
    /// Per-recipient outcomes.
    pub outcomes: Vec<RecipientOutcome>,
}

impl Delivered {
    /// Every recipient `delivered`, no handle: calls whose answer names nobody.
    pub(crate) fn to_all(recipients: &[String]) -> Delivered {
        Delivered {
            handles: Handles::default(),
            outcomes: recipients.iter().map(|r| outcome(r, "delivered")).collect(),
        }
    }
}

/// A failed provider call, classified. As an error (`yizhan send`) it reads
/// `errcode <code>: <message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", code.map_or_else(String::new, |c| format!("errcode {c}: ")))]
pub struct Failed {
    /// What it means for the next attempt.
    pub kind: FailureKind,
    /// The provider's code.
    pub code: Option<i64>,
    /// The provider's message (no secret).
    pub message: String,
    /// The provider may have acted although no answer was read.
    pub ambiguous: bool,
}

impl Failed {
    /// A permanent failure found before any call was made.
    pub(crate) fn permanent(message: String) -> Failed {
        Failed { kind: FailureKind::Permanent, code: None, message, ambiguous: false }
    }
}

/// One recipient's outcome.
pub(crate) fn outcome(recipient: &str, outcome: &str) -> RecipientOutcome {
    RecipientOutcome { recipient: recipient.to_owned(), outcome: outcome.to_owned() }
}

/// The failure of a persisted body that does not decode as `endpoint`'s request.
pub(crate) fn undecodable(endpoint: &str, e: &serde_json::Error) -> Failed {
    Failed::permanent(format!("persisted {endpoint} body does not decode: {e}"))
}
