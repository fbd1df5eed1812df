//! Message and dispatch states, as stable lower-case strings, and how a message's status is
//! derived from its dispatches.
//!
//! The strings are what the database stores and what the HTTP API shows; never rename one.

use std::fmt;
use std::str::FromStr;

/// Recipient outcomes that count as a success when deciding between `delivered` and
/// `partially_delivered`. Getui's `offline` means "stored by the provider for delivery when the
/// device reconnects", which is as far as any push provider ever promises.
pub const SUCCESS_OUTCOMES: &[&str] = &["delivered", "offline"];

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
    /// Where a message is in its lifecycle (DESIGN.md "Message lifecycle").
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
        /// Every dispatch was delivered and every recipient outcome is a success.
        Delivered => "delivered",
        /// Everything finished, but some recipients or dispatches did not succeed.
        PartiallyDelivered => "partially_delivered",
        /// Every dispatch failed for good (permanent error or attempts exhausted).
        Dead => "dead",
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
    /// How many of its recipient outcomes are not a success.
    pub(crate) failed_outcomes: i64,
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
    if !any(D::Delivered) {
        return MessageStatus::Dead;
    }
    let clean = dispatches.iter().all(|d| d.status == D::Delivered && d.failed_outcomes == 0);
    if clean { MessageStatus::Delivered } else { MessageStatus::PartiallyDelivered }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DispatchStatus as D;
    use MessageStatus as M;

    fn f(status: D, attempts: i64, failed_outcomes: i64) -> DispatchFacts {
        DispatchFacts { status, attempts, failed_outcomes }
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
            (M::Accepted, false, vec![f(D::Delivered, 1, 2)], M::PartiallyDelivered),
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
