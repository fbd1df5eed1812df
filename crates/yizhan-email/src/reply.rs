//! SMTP replies: the ONE table of reply codes with their meaning and what each means for the
//! next attempt and for a recipient (RFC 5321 §4.2, with the codes RFC 3207, RFC 4954 and
//! RFC 7504 add; `docs/email.md`, "Reply codes").
//!
//! A code the table does not list is classified by its first digit (RFC 5321 §4.2.1): `4yz` is
//! a transient negative completion (try again later), `5yz` a permanent one.

use yizhan_core::FailureKind;

/// One documented reply code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyCode {
    /// The three digits.
    pub code: u16,
    /// What the server means by it.
    pub meaning: &'static str,
    /// What it means for the next attempt when it answers a command of the transaction.
    pub kind: FailureKind,
    /// Whether, as the answer to `RCPT TO`, it refuses that recipient (the address) rather than
    /// the whole transaction: the recipient's outcome is `invalid` and the others go on.
    pub refuses_recipient: bool,
}

const fn reply(code: u16, meaning: &'static str, kind: FailureKind, refuses_recipient: bool) -> ReplyCode {
    ReplyCode { code, meaning, kind, refuses_recipient }
}

const T: FailureKind = FailureKind::Transient;
const P: FailureKind = FailureKind::Permanent;

/// Every negative reply code yizhan classifies, with its meaning.
pub const CODES: &[ReplyCode] = &[
    reply(421, "service not available, closing transmission channel", T, false),
    reply(432, "a password transition is needed (RFC 4954); retrying will not help", P, false),
    reply(450, "mailbox unavailable for now (busy, greylisted)", T, false),
    reply(451, "action aborted: local error in processing", T, false),
    reply(452, "insufficient system storage, or too many recipients", T, false),
    reply(454, "TLS or authentication temporarily unavailable (RFC 3207, RFC 4954)", T, false),
    reply(455, "server unable to accommodate parameters", T, false),
    reply(500, "syntax error, command unrecognised", P, false),
    reply(501, "syntax error in parameters or arguments (a malformed address)", P, true),
    reply(502, "command not implemented", P, false),
    reply(503, "bad sequence of commands", P, false),
    reply(504, "command parameter not implemented", P, false),
    reply(521, "host does not accept mail (RFC 7504)", P, false),
    reply(530, "authentication required (RFC 4954)", P, false),
    reply(534, "authentication mechanism is too weak (RFC 4954)", P, false),
    reply(535, "authentication credentials invalid (RFC 4954)", P, false),
    reply(538, "encryption required for the authentication mechanism (RFC 4954)", P, false),
    reply(550, "mailbox unavailable: not found, no access, or refused by policy", P, true),
    reply(551, "user not local", P, true),
    // RFC 5321 §4.5.3.1.10: a 552 to RCPT for too many recipients is to be taken as 452.
    reply(552, "exceeded storage allocation (message too large)", P, false),
    reply(553, "mailbox name not allowed (address syntax)", P, true),
    reply(554, "transaction failed (or, on connecting, no SMTP service here)", P, false),
    reply(555, "MAIL FROM or RCPT TO parameters not recognised", P, false),
    reply(556, "domain does not accept mail (RFC 7504)", P, true),
];

/// The table's entry for `code`, if it lists it.
pub fn lookup(code: u16) -> Option<&'static ReplyCode> {
    CODES.iter().find(|r| r.code == code)
}

/// The documented meaning of `code`.
pub fn describe(code: u16) -> Option<&'static str> {
    lookup(code).map(|r| r.meaning)
}

/// What a negative reply means for the next attempt: the table's class, else `4yz` transient
/// and anything else permanent.
pub fn kind(code: u16) -> FailureKind {
    match lookup(code) {
        Some(r) => r.kind,
        None if (400..500).contains(&code) => FailureKind::Transient,
        None => FailureKind::Permanent,
    }
}

/// What the answer to one `RCPT TO` means for that recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientReply {
    /// `2yz`: the server takes mail for the address.
    Accepted,
    /// A permanent refusal of the address (`550`, `551`, `553`, …): never delivered as
    /// addressed; the recipient's outcome is `invalid`.
    Refused {
        /// The reply code.
        code: u16,
        /// The server's text.
        message: String,
    },
    /// A transient refusal (`4yz`): the server may take it later; retry.
    Deferred {
        /// The reply code.
        code: u16,
        /// The server's text.
        message: String,
    },
}

impl RecipientReply {
    /// The recipient's reply for a positive (`None`) or negative (`Some(code)`) answer; `None`
    /// when the code fails the whole transaction instead (e.g. `530` authentication required).
    pub fn classify(negative: Option<(u16, String)>) -> Option<RecipientReply> {
        let Some((code, message)) = negative else { return Some(RecipientReply::Accepted) };
        match lookup(code) {
            Some(r) if r.refuses_recipient => Some(RecipientReply::Refused { code, message }),
            _ if kind(code) == FailureKind::Transient => Some(RecipientReply::Deferred { code, message }),
            Some(_) => None,
            // An undocumented 5yz to RCPT is about the recipient: refuse the address.
            None => Some(RecipientReply::Refused { code, message }),
        }
    }
}

/// What one transaction did: each recipient's reply, and the server's answer to the message
/// when at least one recipient was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Each envelope recipient with its reply, in order.
    pub recipients: Vec<(String, RecipientReply)>,
    /// The server's final answer to the data (its queue id, usually); `None` when every
    /// recipient was refused or deferred and no data was sent.
    pub queued_as: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_each_code_once_and_only_negative_codes() {
        for (i, r) in CODES.iter().enumerate() {
            assert!((400..600).contains(&r.code), "{} is not a negative reply", r.code);
            assert!(CODES[i + 1..].iter().all(|o| o.code != r.code), "{} listed twice", r.code);
            // 5yz is never worth retrying; 4yz is, except 432 (an administrator must act).
            let transient = r.code < 500 && r.code != 432;
            assert_eq!(r.kind == FailureKind::Transient, transient, "{}", r.code);
        }
    }

    #[test]
    fn recipients_are_refused_deferred_or_fail_the_transaction_by_code() {
        let refused = RecipientReply::classify(Some((550, "no such user".into())));
        assert_eq!(refused, Some(RecipientReply::Refused { code: 550, message: "no such user".into() }));
        let deferred = RecipientReply::classify(Some((451, "greylisted".into())));
        assert_eq!(deferred, Some(RecipientReply::Deferred { code: 451, message: "greylisted".into() }));
        assert_eq!(
            RecipientReply::classify(Some((449, String::new()))).map(|r| matches!(r, RecipientReply::Deferred { .. })),
            Some(true)
        );
        assert_eq!(RecipientReply::classify(Some((530, "auth required".into()))), None);
        assert_eq!(
            RecipientReply::classify(Some((599, String::new()))).map(|r| matches!(r, RecipientReply::Refused { .. })),
            Some(true)
        );
        assert_eq!(RecipientReply::classify(None), Some(RecipientReply::Accepted));
        assert_eq!(kind(535), FailureKind::Permanent);
        assert_eq!(kind(421), FailureKind::Transient);
        assert_eq!(describe(553), Some("mailbox name not allowed (address syntax)"));
    }
}
