//! What the event log hands out and takes in: [`EventRecord`] (a published event),
//! [`EventFilter`] (what a reader wants) and [`NewEvent`] (an event outside a message's state
//! changes). The event types are in [`kind`].

use yizhan_core::MessageId;

pub use crate::sql::events::kind;

/// A published event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Its position in the log: increasing in commit order, stable, the SSE `id` and the
    /// number in the webhook id `evt_<id>`.
    pub id: i64,
    /// Its type ([`kind`]).
    pub kind: String,
    /// The message it is about, if any.
    pub message_id: Option<MessageId>,
    /// The channel.
    pub channel: String,
    /// When the change happened (epoch ms).
    pub at_ms: i64,
    /// The type's own fields.
    pub data: serde_json::Value,
}

/// Which events a reader wants; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events of these channels.
    pub channels: Option<Vec<String>>,
    /// Only events of these types.
    pub kinds: Option<Vec<String>>,
    /// Only events about this message.
    pub message_id: Option<MessageId>,
}

impl EventFilter {
    /// Whether `event` passes this filter (the same test the store's query makes).
    pub fn matches(&self, event: &EventRecord) -> bool {
        self.channels.as_ref().is_none_or(|c| c.contains(&event.channel))
            && self.kinds.as_ref().is_none_or(|k| k.contains(&event.kind))
            && self.message_id.is_none_or(|id| event.message_id == Some(id))
    }
}

/// An event not caused by a message's state change: a callback or a receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Its type ([`kind`]).
    pub kind: &'static str,
    /// The message it is about, if known (its API key then scopes the event too).
    pub message_id: Option<MessageId>,
    /// The channel it came for.
    pub channel: String,
    /// When it happened (epoch ms).
    pub at_ms: i64,
    /// The type's own fields.
    pub data: serde_json::Value,
}
