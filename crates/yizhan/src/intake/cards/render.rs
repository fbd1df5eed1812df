//! The card of an alert group: the route's rendered template card turned into a
//! `button_interaction` (WeCom calls back only from interaction cards), with the buttons
//! Acknowledge, Silence 1h and Silence 24h, and lines for what happened since (acknowledged by,
//! silenced until, a failed silence, the card it continues). A resolved group's buttons are
//! replaced by one grey, non-clickable button (`replace_text`, WeCom's update-only field)
//! naming the resolution time.

use serde_json::{Map, Value, json};
use yizhan_wecom::message::template_card::TemplateCard;

use super::{ACK_KEY, SILENCE_1H_KEY, SILENCE_24H_KEY};

/// The blocks of a rendered card a `button_interaction` can show (WeCom's field list).
const KEPT: [&str; 6] =
    ["source", "main_title", "quote_area", "sub_title_text", "horizontal_content_list", "card_action"];
/// At most this many key/value lines.
const MAX_LINES: usize = 6;

/// What the card shows beyond the route's template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardView<'a> {
    /// `zh` or `en`.
    pub language: &'a str,
    /// The IANA time zone of the times shown.
    pub time_zone: &'a str,
    /// Resolved at (epoch ms), if the group is.
    pub resolved_at_ms: Option<i64>,
    /// Who acknowledged.
    pub acknowledged_by: Option<&'a str>,
    /// The silence: id, end (epoch ms) and who made it.
    pub silence: Option<(&'a str, i64, &'a str)>,
    /// Why creating the silence failed.
    pub silence_error: Option<&'a str>,
    /// Whether the failed silence is tried again.
    pub silence_retrying: bool,
    /// The card continues an earlier one.
    pub continues: bool,
}

/// The part of a rendered card that a `button_interaction` keeps: `card_type`, task id,
/// buttons and the blocks it cannot show are dropped; an `emphasis_content` becomes the first
/// line of `sub_title_text`.
pub fn base_of(card: &TemplateCard) -> Value {
    let Ok(Value::Object(full)) = serde_json::to_value(card) else { return json!({}) };
    let mut base: Map<String, Value> =
        KEPT.iter().filter_map(|k| full.get(*k).map(|v| ((*k).to_owned(), v.clone()))).collect();
    if let Some(Value::Object(emphasis)) = full.get("emphasis_content") {
        let words: Vec<&str> =
            ["title", "desc"].iter().filter_map(|k| emphasis.get(*k).and_then(Value::as_str)).collect();
        let sub = base.get("sub_title_text").and_then(Value::as_str).unwrap_or_default();
        let joined = if sub.is_empty() { words.join(" ") } else { format!("{}\n{sub}", words.join(" ")) };
        base.insert("sub_title_text".to_owned(), Value::String(joined));
    }
    if let Some(Value::Array(lines)) = base.get_mut("horizontal_content_list") {
        lines.truncate(MAX_LINES);
    }
    Value::Object(base)
}

/// The card for `task_id` from `base` ([`base_of`]) and `view`.
pub fn card(base: &Value, task_id: &str, view: &CardView<'_>) -> Result<TemplateCard, String> {
    let en = view.language == "en";
    let mut card = match base {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    card.insert("card_type".to_owned(), json!("button_interaction"));
    card.insert("task_id".to_owned(), json!(task_id));
    let ack = match (view.acknowledged_by, en) {
        (Some(_), true) => "Acknowledged",
        (Some(_), false) => "已认领",
        (None, true) => "Acknowledge",
        (None, false) => "认领",
    };
    let (silence_1h, silence_24h) = if en { ("Silence 1h", "Silence 24h") } else { ("静默 1h", "静默 24h") };
    card.insert(
        "button_list".to_owned(),
        json!([
            {"text": ack, "style": 1, "key": ACK_KEY},
            {"text": silence_1h, "style": 2, "key": SILENCE_1H_KEY},
            {"text": silence_24h, "style": 2, "key": SILENCE_24H_KEY},
        ]),
    );
    let lines = state_lines(view, en);
    if !lines.is_empty() {
        let quote = card.entry("quote_area").or_insert_with(|| json!({}));
        if let Value::Object(q) = quote {
            let earlier = q.get("quote_text").and_then(Value::as_str).unwrap_or_default();
            let text = if earlier.is_empty() { lines.join("\n") } else { format!("{}\n{earlier}", lines.join("\n")) };
            q.insert("quote_text".to_owned(), Value::String(text));
            q.entry("title").or_insert_with(|| json!(if en { "Status" } else { "处理状态" }));
        }
    }
    if let Some(at) = view.resolved_at_ms {
        let when = local_time(at, view.time_zone);
        card.insert(
            "replace_text".to_owned(),
            json!(if en { format!("Resolved {when}") } else { format!("已恢复 {when}") }),
        );
    }
    let card: TemplateCard = serde_json::from_value(Value::Object(card)).map_err(|e| e.to_string())?;
    card.validate().map_err(|e| e.to_string())?;
    Ok(card)
}

/// The lines that say what happened to the group, newest concerns first.
fn state_lines(view: &CardView<'_>, en: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(user) = view.acknowledged_by {
        lines.push(if en { format!("Acknowledged by {user}") } else { format!("已认领：{user}") });
    }
    if let Some((id, ends_ms, by)) = view.silence {
        let until = local_time(ends_ms, view.time_zone);
        lines.push(if en {
            format!("Silenced by {by} until {until} (silence {id})")
        } else {
            format!("{by} 已静默至 {until}（静默 {id}）")
        });
    } else if let Some(error) = view.silence_error {
        lines.push(match (en, view.silence_retrying) {
            (true, true) => format!("Silence failed, retrying: {error}"),
            (true, false) => format!("Silence failed: {error}"),
            (false, true) => format!("静默失败，正在重试：{error}"),
            (false, false) => format!("静默失败：{error}"),
        });
    }
    if view.continues {
        lines.push(if en {
            "Continues an earlier card, which can no longer be updated".to_owned()
        } else {
            "接续此前的卡片（该卡片已无法更新）".to_owned()
        });
    }
    lines
}

/// `at_ms` in `zone` as `12-08 09:30` (UTC if the zone is unknown).
pub fn local_time(at_ms: i64, zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(at_ms) {
        Ok(t) => t.to_zoned(tz).strftime("%m-%d %H:%M %Z").to_string(),
        Err(_) => at_ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yizhan_wecom::message::template_card::{CardAction, TextNotice};

    fn notice() -> TemplateCard {
        let mut n: TextNotice = serde_json::from_value(json!({
            "source": {"desc": "yizhan · ops"},
            "main_title": {"title": "[告警] HighCPU", "desc": "CPU 97%"},
            "emphasis_content": {"title": "2", "desc": "条告警"},
            "sub_title_text": "web-1\nweb-2",
            "horizontal_content_list": [{"keyname": "a", "value": "1"}],
            "jump_list": [{"type": 1, "title": "graph", "url": "https://example.com/g"}],
        }))
        .expect("notice");
        n.card_action = Some(CardAction::url("https://example.com"));
        TemplateCard::TextNotice(n)
    }

    #[test]
    fn a_firing_card_has_three_buttons_and_keeps_what_an_interaction_card_can_show() {
        let base = base_of(&notice());
        assert!(base.get("jump_list").is_none() && base.get("emphasis_content").is_none(), "{base}");
        assert_eq!(base["sub_title_text"], "2 条告警\nweb-1\nweb-2");
        let view = CardView { language: "zh", time_zone: "Asia/Shanghai", ..CardView::default() };
        let json = serde_json::to_value(card(&base, "yzc-t-1", &view).expect("valid")).expect("json");
        assert_eq!(json["card_type"], "button_interaction");
        assert_eq!(json["task_id"], "yzc-t-1");
        let keys: Vec<&str> =
            json["button_list"].as_array().unwrap().iter().map(|b| b["key"].as_str().unwrap()).collect();
        assert_eq!(keys, [ACK_KEY, SILENCE_1H_KEY, SILENCE_24H_KEY]);
        assert_eq!(json["button_list"][0]["text"], "认领");
        assert!(json.get("replace_text").is_none() && json.get("quote_area").is_none(), "{json}");
    }

    #[test]
    fn acknowledged_silenced_and_resolved_cards_say_so() {
        let base = base_of(&notice());
        let view = CardView {
            language: "en",
            time_zone: "Asia/Shanghai",
            resolved_at_ms: Some(1_700_000_000_000),
            acknowledged_by: Some("alice"),
            silence: Some(("s-1", 1_700_003_600_000, "bob")),
            silence_error: None,
            silence_retrying: false,
            continues: true,
        };
        let json = serde_json::to_value(card(&base, "yzc-t-2", &view).expect("valid")).expect("json");
        let quote = json["quote_area"]["quote_text"].as_str().expect("quote");
        assert!(quote.contains("Acknowledged by alice"), "{quote}");
        assert!(quote.contains("Silenced by bob until 11-15 07:13 CST (silence s-1)"), "{quote}");
        assert!(quote.contains("Continues an earlier card"), "{quote}");
        assert_eq!(json["replace_text"], "Resolved 11-15 06:13 CST");
        assert_eq!(json["button_list"][0]["text"], "Acknowledged");
        let failed = CardView {
            language: "zh",
            silence_error: Some("connection refused"),
            silence_retrying: true,
            ..CardView::default()
        };
        let json = serde_json::to_value(card(&base, "yzc-t-2", &failed).expect("valid")).expect("json");
        assert_eq!(json["quote_area"]["quote_text"], "静默失败，正在重试：connection refused");
    }
}
