//! One WeCom template card per alert group and channel ([`AlertCard`], table `alert_cards`).
//!
//! The store keeps the row and writes it only as a compare-and-set on [`AlertCard::revision`]
//! ([`crate::Store::save_alert_card`]); what the card shows and when it is updated is decided
//! by the gateway (`yizhan::intake::cards`), which keeps its own fields as JSON in
//! [`AlertCard::data`], as the store keeps provider bodies without decoding them.

/// One alert group's card on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCard {
    /// The row's key: 32 hex characters naming the group and the channel.
    pub card_key: String,
    /// The channel the card is sent on.
    pub channel: String,
    /// The route (`ops/db`).
    pub route: String,
    /// The sender's group key (Alertmanager `groupKey`).
    pub group_key: String,
    /// The API key the first notification came with (the card's messages are stored under it).
    pub api_key: Option<String>,
    /// 1 for the group's first card, one more for each card that continues an earlier one.
    pub generation: i64,
    /// The current card's `task_id`.
    pub task_id: String,
    /// The current card's message.
    pub message_id: String,
    /// The message of the card the current one continues, if any.
    pub previous_message_id: Option<String>,
    /// When the current card was accepted (epoch ms).
    pub card_sent_at_ms: i64,
    /// Whether the `response_code` of the current card's send was used.
    pub send_code_used: bool,
    /// The latest unused `response_code` a click brought, if any.
    pub response_code: Option<String>,
    /// When that code was issued (epoch ms).
    pub response_code_at_ms: Option<i64>,
    /// `firing` or `resolved`.
    pub state: String,
    /// Who acknowledged the group (a WeCom user id).
    pub acknowledged_by: Option<String>,
    /// The Alertmanager silence created from the card.
    pub silence_id: Option<String>,
    /// When that silence ends (epoch ms).
    pub silence_ends_at_ms: Option<i64>,
    /// The gateway's own fields, JSON.
    pub data: String,
    /// When the card needs work next (epoch ms); `None`: nothing to do.
    pub due_at_ms: Option<i64>,
    /// Claimed by a worker until then (epoch ms).
    pub lease_until_ms: Option<i64>,
    /// Increases with every write; a write names the revision it read.
    pub revision: i64,
    /// When the row was created (epoch ms).
    pub created_at_ms: i64,
    /// When the row last changed (epoch ms).
    pub updated_at_ms: i64,
}
