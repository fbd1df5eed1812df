//! Alert groups: which notifications are about the same thing at the same route.
//!
//! A later notification of a group (Alertmanager re-sends a group when it changes, repeats it,
//! and sends its resolution) carries the same key. Today each notification becomes new
//! messages; keying messages by [`GroupKey`] is what lets one card per group be updated in
//! place instead (see `docs/alerts.md`, "Card lifecycle").

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::payload::{Payload, Source};

/// One alert group at one route.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GroupKey {
    /// The route's name (`ops/db`).
    pub route: String,
    /// The sender's group key: Alertmanager's and Grafana's `groupKey`; for Grafana without one,
    /// the sorted alert fingerprints; for a generic webhook, empty (every body is its own group).
    pub key: String,
}

impl GroupKey {
    /// The group of `payload` at `route`.
    pub fn new(route: &str, payload: &Payload) -> GroupKey {
        let n = &payload.notification;
        let key = match payload.source {
            Source::Alertmanager => n.group_key.clone(),
            Source::Grafana if !n.group_key.is_empty() => n.group_key.clone(),
            Source::Grafana => {
                let mut fingerprints: Vec<&str> = n.alerts.iter().map(|a| a.fingerprint.as_str()).collect();
                fingerprints.sort_unstable();
                fingerprints.join(",")
            }
            Source::Webhook => String::new(),
        };
        GroupKey { route: route.to_owned(), key }
    }

    /// A fixed-length id of the group (hex SHA-256 of route and key), fit for a store key.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(format!("{}\u{1f}{}", self.route, self.key).as_bytes());
        hex::encode(digest)
    }
}

impl std::fmt::Display for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.route, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::samples;

    #[test]
    fn a_group_keeps_its_key_from_firing_to_resolved() {
        let firing = samples::named("alertmanager").unwrap();
        let resolved = samples::named("alertmanager-resolved").unwrap();
        assert_eq!(GroupKey::new("ops", &firing), GroupKey::new("ops", &resolved));
        assert_eq!(GroupKey::new("ops", &firing).key, "{}:{alertname=\"HighCPU\"}");
        assert_ne!(GroupKey::new("ops", &firing).id(), GroupKey::new("ops/db", &firing).id());
        assert_eq!(GroupKey::new("ops", &firing).id().len(), 64);
    }
}
