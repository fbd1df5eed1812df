//! Message and dispatch states, as stable lower-case strings, and how a message's status is
//! derived from its dispatches and their recipient outcomes ([`derive`], the one place; the
//! table is in `docs/gateway.md`, "Statuses").
//!
//! Recipient outcomes fall in three classes: *reached* ([`REACHED_OUTCOMES`]: the provider
//! delivered it or holds it for the device), *suppressed* ([`SUPPRESSED_DUPLICATE`]: not sent
//! again because the caller asked for dedupe and an identical message went out within the
//! window) and *not reached* (everything else: `invalid`, `unlicensed`, `ignored`, `failed`, a
//! provider status kept verbatim). A delivered dispatch without outcomes (a Getui app push, a
//! robot's group) counts as reached.
//!
//! The strings are what the database stores and what the HTTP API shows; never rename one.

use std::fmt;
use std::str::FromStr;

use crate::AttemptError;

/// Recipient outcomes that mean the recipient was reached. Getui's `offline` means "stored by
/// the provider for delivery when the device reconnects", which is as far as any push provider
/// ever promises.
pub const REACHED_OUTCOMES: &[&str] = &["delivered", "offline"];

/// The outcome of a recipient that was not sent the message again because the caller asked for
/// dedupe and an identical message went out within the provider's duplicate window.
pub const SUPPRESSED_DUPLICATE: &str = "suppressed_duplicate";

/// Recipient outcomes that count as a success: reached, or suppressed as the caller asked.
pub const SUCCESS_OUTCOMES: &[&str] = &["delivered", "offline", SUPPRESSED_DUPLICATE];

/// The outcome counts of a `dispatches d` row that [`DispatchFacts`] is read from (`outcomes`,
/// `reached`, `suppressed`): the same SQL on both backends. The literals mirror
/// [`REACHED_OUTCOMES`] and [`SUPPRESSED_DUPLICATE`]; the storage suite derives a status from
/// every outcome name through each backend's store and fails if they drift
/// (`tests/suite/repeat.rs`).
pub(crate) const OUTCOME_COUNTS: &str = "\
    (SELECT count(*) FROM recipient_outcomes o WHERE o.dispatch_id = d.id) AS outcomes, \
    (SELECT count(*) FROM recipient_outcomes o \
      WHERE o.dispatch_id = d.id AND o.outcome IN ('delivered', 'offline')) AS reached, \
    (SELECT count(*) FROM recipient_outcomes o \
      WHERE o.dispatch_id = d.id AND o.outcome = 'suppressed_duplicate') AS suppressed";

/// The error of a dead result for a dispatch with an earlier ambiguous attempt (an answer lost
/// after the request was written): the recipient may have the message, so the outcome stays
/// unknown (`ambiguous`), whatever the last answer said. `None`: `error` is kept as it is.
pub(crate) fn still_unknown(error: &AttemptError, earlier_ambiguous: bool) -> Option<AttemptError> {
    (earlier_ambiguous && !error.ambiguous).then(|| AttemptError {
        ambiguous: true,
        message: format!("outcome unknown (an earlier attempt may have been delivered); then: {}", error.message),
        ..error.clone()
    })
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in lifecycle order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable lower-case name stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = crate::StoreError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(crate::StoreError::Invalid(format!(
                        "unknown {} {other:?}",
                        stringify!($name)
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Where a message is in its lifecycle (docs/gateway.md, "Statuses").
    MessageStatus {
        /// Stored, due now, nothing sent yet.
        Accepted => "accepted",
        /// Stored with a `send_at` in the future, nothing sent yet.
        Scheduled => "scheduled",
        /// At least one dispatch is with a worker or has been attempted, and none waits on a retry.
        Dispatching => "dispatching",
        /// A dispatch failed transiently and waits for its next attempt.
        Retrying => "retrying",
        /// A dispatch was rate limited and waits without using up an attempt.
        Deferred => "deferred",
        /// Every dispatch was delivered and every recipient reached (or suppressed as asked).
        Delivered => "delivered",
        /// Everything finished; at least one recipient was reached, some were not.
        PartiallyDelivered => "partially_delivered",
        /// Everything finished and no recipient was reached: permanent errors, attempts
        /// exhausted, or the provider reported every recipient as not reached.
        Dead => "dead",
        /// Every recipient's outcome is `suppressed_duplicate`: the caller asked for dedupe and
        /// an identical message went out within the window, so nothing was sent again.
        SuppressedDuplicate => "suppressed_duplicate",
        /// Cancelled before anything was sent.
        Cancelled => "cancelled",
        /// Delivered, then recalled or revoked at the provider.
        Recalled => "recalled",
        /// `expires_at` passed before the message could be sent.
        Expired => "expired",
    }
}

string_enum! {
    /// The state of one dispatch (one provider call).
    DispatchStatus {
        /// Waiting for its first attempt (due at `next_attempt_at`).
        Pending => "pending",
        /// Claimed by a worker under a lease.
        InFlight => "in_flight",
        /// Waiting for a retry after a transient failure.
        Retrying => "retrying",
        /// Waiting after a rate limit; the attempt was not counted.
        Deferred => "deferred",
        /// The provider accepted it.
        Delivered => "delivered",
        /// Failed for good.
        Dead => "dead",
        /// Cancelled before it was sent.
        Cancelled => "cancelled",
        /// Its message expired before it was sent.
        Expired => "expired",
    }
}

impl MessageStatus {
    /// Statuses set by an explicit operation that dispatch changes never override.
    pub fn is_sticky(self) -> bool {
        matches!(self, MessageStatus::Cancelled | MessageStatus::Recalled)
    }

    /// Whether nothing more will happen to the message on its own.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MessageStatus::Delivered
                | MessageStatus::PartiallyDelivered
                | MessageStatus::Dead
                | MessageStatus::SuppressedDuplicate
                | MessageStatus::Cancelled
                | MessageStatus::Recalled
                | MessageStatus::Expired
        )
    }
}

impl DispatchStatus {
    /// Whether the dispatch waits to be claimed.
    pub fn is_waiting(self) -> bool {
        matches!(self, DispatchStatus::Pending | DispatchStatus::Retrying | DispatchStatus::Deferred)
    }
}

/// What the status derivation needs to know about one dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DispatchFacts {
    /// Its status.
    pub(crate) status: DispatchStatus,
    /// Its counted attempts (reset by a manual retry).
    pub(crate) attempts: i64,
    /// How many recipient outcomes it has.
    pub(crate) outcomes: i64,
    /// How many of them are reached ([`REACHED_OUTCOMES`]).
    pub(crate) reached: i64,
    /// How many of them are [`SUPPRESSED_DUPLICATE`].
    pub(crate) suppressed: i64,
}

impl DispatchFacts {
    /// Delivered, and someone was reached (a delivered call without outcomes counts).
    fn reached_someone(&self) -> bool {
        self.status == DispatchStatus::Delivered && (self.reached > 0 || self.outcomes == 0)
    }

    /// Delivered with every outcome a success.
    fn clean(&self) -> bool {
        self.status == DispatchStatus::Delivered && self.outcomes == self.reached + self.suppressed
    }
}

/// Derives a message's status from its dispatches.
///
/// `current` is kept when it is sticky (cancelled, recalled). `scheduled` tells whether the
/// message was accepted with a `send_at` in the future.
pub(crate) fn derive(current: MessageStatus, scheduled: bool, dispatches: &[DispatchFacts]) -> MessageStatus {
    use DispatchStatus as D;
    if current.is_sticky() {
        return current;
    }
    let any = |s: D| dispatches.iter().any(|d| d.status == s);
    if dispatches.is_empty() {
        return current;
    }
    if any(D::InFlight) {
        return MessageStatus::Dispatching;
    }
    if dispatches.iter().any(|d| d.status.is_waiting()) {
        if any(D::Retrying) {
            return MessageStatus::Retrying;
        }
        if any(D::Deferred) {
            return MessageStatus::Deferred;
        }
        let started = dispatches.iter().any(|d| !d.status.is_waiting() || d.attempts > 0);
        return match (started, scheduled) {
            (true, _) => MessageStatus::Dispatching,
            (false, true) => MessageStatus::Scheduled,
            (false, false) => MessageStatus::Accepted,
        };
    }
    // Everything is final.
    let all = |s: D| dispatches.iter().all(|d| d.status == s);
    if all(D::Cancelled) {
        return MessageStatus::Cancelled;
    }
    if all(D::Expired) {
        return MessageStatus::Expired;
    }
    if dispatches.iter().all(DispatchFacts::clean) {
        let all_suppressed = dispatches.iter().all(|d| d.outcomes > 0 && d.suppressed == d.outcomes);
        return if all_suppressed { MessageStatus::SuppressedDuplicate } else { MessageStatus::Delivered };
    }
    if dispatches.iter().any(DispatchFacts::reached_someone) {
        return MessageStatus::PartiallyDelivered;
    }
    MessageStatus::Dead
}

#[cfg(test)]
mod tests {
    use super::*;
    use DispatchStatus as D;
    use MessageStatus as M;

    /// Facts with `failed` outcomes that are not a success and no others.
    fn f(status: D, attempts: i64, failed: i64) -> DispatchFacts {
        DispatchFacts { status, attempts, outcomes: failed, reached: 0, suppressed: 0 }
    }

    /// Facts of a delivered dispatch with `reached`, `suppressed` and `failed` outcomes.
    fn out(reached: i64, suppressed: i64, failed: i64) -> DispatchFacts {
        DispatchFacts {
            status: D::Delivered,
            attempts: 1,
            outcomes: reached + suppressed + failed,
            reached,
            suppressed,
        }
    }

    #[test]
    fn strings_round_trip() {
        for s in M::ALL {
            assert_eq!(s.as_str().parse::<M>().unwrap(), *s);
        }
        for s in D::ALL {
            assert_eq!(s.as_str().parse::<D>().unwrap(), *s);
        }
        assert!("nope".parse::<M>().is_err());
        assert_eq!(M::PartiallyDelivered.to_string(), "partially_delivered");
        assert_eq!(M::SuppressedDuplicate.as_str(), SUPPRESSED_DUPLICATE);
    }

    #[test]
    fn derivation_table() {
        let cases: &[(M, bool, Vec<DispatchFacts>, M)] = &[
            (M::Accepted, false, vec![f(D::Pending, 0, 0)], M::Accepted),
            (M::Accepted, true, vec![f(D::Pending, 0, 0)], M::Scheduled),
            (M::Accepted, false, vec![f(D::InFlight, 0, 0), f(D::Pending, 0, 0)], M::Dispatching),
            (M::Accepted, false, vec![f(D::Delivered, 1, 0), f(D::Pending, 0, 0)], M::Dispatching),
            (M::Accepted, false, vec![f(D::Retrying, 1, 0), f(D::Deferred, 1, 0)], M::Retrying),
            (M::Accepted, false, vec![f(D::Deferred, 1, 0)], M::Deferred),
            (M::Accepted, false, vec![f(D::Delivered, 1, 0)], M::Delivered),
            (M::Accepted, false, vec![f(D::Delivered, 1, 2)], M::Dead),
            (M::Accepted, false, vec![out(1, 0, 2)], M::PartiallyDelivered),
            (M::Accepted, false, vec![out(2, 0, 0)], M::Delivered),
            (M::Accepted, false, vec![out(0, 2, 0)], M::SuppressedDuplicate),
            (M::Accepted, false, vec![out(1, 1, 0)], M::Delivered),
            (M::Accepted, false, vec![out(0, 1, 1)], M::Dead),
            (M::Accepted, false, vec![out(0, 1, 0), f(D::Dead, 1, 0)], M::Dead),
            (M::Accepted, false, vec![f(D::Dead, 1, 3)], M::Dead),
            (M::Accepted, false, vec![f(D::Delivered, 1, 0), f(D::Dead, 3, 0)], M::PartiallyDelivered),
            (M::Accepted, false, vec![f(D::Dead, 1, 0)], M::Dead),
            (M::Accepted, false, vec![f(D::Expired, 0, 0)], M::Expired),
            (M::Accepted, false, vec![f(D::Delivered, 1, 0), f(D::Expired, 0, 0)], M::PartiallyDelivered),
            (M::Accepted, false, vec![f(D::Cancelled, 0, 0)], M::Cancelled),
            (M::Recalled, false, vec![f(D::Delivered, 1, 0)], M::Recalled),
            (M::Dead, false, vec![f(D::Pending, 0, 0)], M::Accepted),
            (M::Accepted, false, vec![f(D::Pending, 2, 0)], M::Dispatching),
        ];
        for (current, scheduled, facts, want) in cases {
            assert_eq!(derive(*current, *scheduled, facts), *want, "{facts:?}");
        }
    }
}
