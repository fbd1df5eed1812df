//! How an event is shown to subscribers: `{"type", "timestamp", "data"}` as the Standard
//! Webhooks specification recommends, `data` holding the message id, the channel and the type's
//! own fields (docs/events.md lists them per type).

use yizhan_store::EventRecord;

/// The id of an event as subscribers see it: `evt_<position>` (stable across retries, no `.`).
pub fn event_id(event: &EventRecord) -> String {
    format!("evt_{}", event.id)
}

/// The JSON payload of `event`.
pub fn payload(event: &EventRecord) -> serde_json::Value {
    let mut data = serde_json::Map::new();
    data.insert("event_id".to_owned(), event_id(event).into());
    if let Some(id) = event.message_id {
        data.insert("message_id".to_owned(), id.to_string().into());
    }
    data.insert("channel".to_owned(), event.channel.clone().into());
    if let serde_json::Value::Object(fields) = &event.data {
        for (k, v) in fields {
            data.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    serde_json::json!({"type": event.kind, "timestamp": timestamp(event.at_ms), "data": data})
}

/// The body a channel's `forward_url` has always received for a callback event
/// (`card.clicked`, `wecom.callback`): `{channel, msg_type, event, xml}`.
pub fn forward_body(event: &EventRecord) -> serde_json::Value {
    let field = |name: &str| event.data.get(name).cloned().unwrap_or(serde_json::Value::Null);
    serde_json::json!({"channel": event.channel, "msg_type": field("msg_type"), "event": field("event"), "xml": field("xml")})
}

/// RFC 3339 UTC time of epoch milliseconds `ms`, with milliseconds.
pub fn timestamp(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| format!("{t:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_has_the_standard_webhooks_shape() {
        let event = EventRecord {
            id: 42,
            kind: "recipient.outcome".to_owned(),
            message_id: None,
            channel: "ops".to_owned(),
            at_ms: 1_700_000_000_123,
            data: serde_json::json!({"recipient": "alice", "outcome": "invalid", "channel": "not-this"}),
        };
        let p = payload(&event);
        assert_eq!(p["type"], "recipient.outcome");
        assert_eq!(p["timestamp"], "2023-11-14T22:13:20.123Z");
        assert_eq!(p["data"]["event_id"], "evt_42");
        assert_eq!(p["data"]["channel"], "ops", "the log's own fields win");
        assert_eq!(p["data"]["recipient"], "alice");
        assert!(p["data"].get("message_id").is_none());
    }
}
