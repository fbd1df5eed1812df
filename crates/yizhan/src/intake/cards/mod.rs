//! One WeCom template card per alert group, updated in place, and acted on from WeCom
//! (docs/alerts.md, "Card lifecycle").
//!
//! A route with `kind = "template_card"` sends, on a `wecom_app` channel, one
//! `button_interaction` card per alert group (Acknowledge, Silence 1h, Silence 24h). The store
//! keeps the group's card ([`yizhan_store::AlertCard`]); this module decides what it shows:
//!
//! * [`notify`]: an arriving notification. The group's first one sends the card with the
//!   other messages of the notification; a later one that changes the group (other alerts, a
//!   resolution) records what the card should show and makes the card due; a repeat inside the
//!   route's `repeat_window` with no change is not sent again.
//! * [`click`]: a decrypted click callback records the click's `response_code` and what was
//!   asked (acknowledge, silence) and makes the card due; the callback is answered at once.
//! * [`update`]: [`update::CardUpdater`] claims due cards, creates silences in the route's
//!   Alertmanager (retried with back-off, failures shown on the card), and queues the update
//!   as a message of its own (`wecom.update_template_card`, through the worker, with its
//!   retries), or a new card that continues the old one when no unused `response_code` younger
//!   than WeCom's 72 hours is left.
//! * [`render`]: the card itself, from the route's template and the group's state.
//! * [`queue`]: the stored messages of a new card and of an update.

pub mod click;
pub mod notify;
pub mod queue;
pub mod render;
pub mod update;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::GroupKey;
use super::route::{MessageKind, Route};
use crate::config::ChannelConfig;
use crate::gateway::To;

/// The key of the Acknowledge button.
pub const ACK_KEY: &str = "yizhan-ack";
/// The key of the Silence 1h button.
pub const SILENCE_1H_KEY: &str = "yizhan-silence-1h";
/// The key of the Silence 24h button.
pub const SILENCE_24H_KEY: &str = "yizhan-silence-24h";
/// How long a `response_code` is used for: WeCom's 72 hours less a margin of ten minutes for
/// the queue (docs/alerts.md, "Card lifecycle").
pub const CODE_LIFETIME_MS: i64 = 72 * 3600 * 1000 - 10 * 60 * 1000;
/// The prefix of the `task_id`s of alert cards.
const TASK_PREFIX: &str = "yzc-";

/// Whether alerts of `route` on `channel` for `group` are one updated card: the route's kind
/// is `template_card`, the channel a WeCom application, and the sender names its groups.
pub fn applies(route: &Route, channel: Option<&ChannelConfig>, group: &GroupKey) -> bool {
    route.settings.kind == MessageKind::TemplateCard
        && channel.and_then(ChannelConfig::wecom_app).is_some()
        && !group.key.is_empty()
}

/// The store key of `group`'s card on `channel`: 32 hex characters.
pub fn card_key(group: &GroupKey, channel: &str) -> String {
    let digest = Sha256::digest(format!("{}\u{1f}{channel}", group.id()).as_bytes());
    hex::encode(digest)[..32].to_owned()
}

/// The `task_id` of the card of `card_key` in its `generation` (a continuing card is a new
/// task: WeCom wants task ids unique per application).
pub fn task_id(card_key: &str, generation: i64) -> String {
    format!("{TASK_PREFIX}{card_key}-{generation}")
}

/// The card key and generation a `task_id` of [`task_id`] names; `None` for other cards.
pub fn parse_task_id(task_id: &str) -> Option<(&str, i64)> {
    let (key, generation) = task_id.strip_prefix(TASK_PREFIX)?.split_once('-')?;
    let generation = generation.parse().ok()?;
    (key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit())).then_some((key, generation))
}

/// Lower-case hex SHA-256 of `text`.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// What the gateway keeps of a card beyond the store's columns ([`yizhan_store::AlertCard::data`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardData {
    /// The card the route's template rendered for the latest notification, as a
    /// `button_interaction` without task id, buttons and state lines ([`render::base_of`]).
    pub base: serde_json::Value,
    /// The identity of the latest notification's content and status.
    pub digest: String,
    /// When a notification last changed the card (or sent it).
    pub notified_at_ms: i64,
    /// The recipients (for a card that continues this one).
    pub to: To,
    /// The labels every alert of the group shares: the matchers of a silence.
    pub labels: BTreeMap<String, String>,
    /// `zh` or `en`.
    pub language: String,
    /// The IANA time zone of the times shown.
    pub time_zone: String,
    /// The route's Alertmanager API, for silences.
    pub alertmanager_url: Option<String>,
    /// When the group was resolved (while it is).
    pub resolved_at_ms: Option<i64>,
    /// A silence asked for from the card, not created yet.
    pub silence_request: Option<SilenceRequest>,
    /// Who silenced the group.
    pub silenced_by: Option<String>,
    /// Why the last attempt to create the silence failed.
    pub silence_error: Option<String>,
    /// Failed attempts to create the silence.
    pub silence_attempts: u32,
    /// The identity of the card last queued (sent or updated).
    pub shown: String,
    /// Send a new card even if the old one could be updated (a repeat after the repeat window).
    pub remind: bool,
    /// The last update queued (a message id).
    pub last_update: Option<String>,
}

impl CardData {
    /// The data of a stored card (an unreadable one reads as empty, so it is rebuilt).
    pub fn read(text: &str) -> CardData {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// As stored.
    pub fn write(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// A silence asked for by a click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceRequest {
    /// The WeCom user id (`createdBy`).
    pub user: String,
    /// How long, in seconds.
    pub secs: u64,
    /// When it was asked (epoch ms).
    pub at_ms: i64,
    /// When to try again after a failure (epoch ms).
    #[serde(default)]
    pub retry_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_name_their_card_and_generation() {
        let group = GroupKey { route: "ops".into(), key: "{}:{alertname=\"HighCPU\"}".into() };
        let key = card_key(&group, "ops");
        assert_eq!(key.len(), 32);
        assert_ne!(key, card_key(&group, "ops2"), "one card per channel");
        let id = task_id(&key, 3);
        assert!(id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-@".contains(&b)), "{id}");
        assert_eq!(parse_task_id(&id), Some((key.as_str(), 3)));
        assert_eq!(parse_task_id("task-42"), None);
        assert_eq!(parse_task_id("yzc-nothex-1"), None);
    }
}
