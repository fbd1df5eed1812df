//! Per-`msg_type` checks of a Feishu bot body (`docs/dingtalk-feishu.md`, "Feishu message
//! types"): `text`, `post`, `image`, `share_chat` in `content`, and `interactive` with its card
//! in a top-level `card` object.

use serde_json::{Map, Value};

use super::reply::{bad_content, params_error};
use crate::group_bot::Rejection;

/// The message types a custom bot accepts.
pub(super) const MSG_TYPES: [&str; 5] = ["text", "post", "image", "share_chat", "interactive"];
/// The locales of a `post`.
const LOCALES: [&str; 3] = ["zh_cn", "en_us", "ja_jp"];
/// Rich-text tags newer than the four the webhook is documented with (unconfirmed there).
const NEWER_TAGS: [&str; 5] = ["md", "code_block", "hr", "emotion", "media"];

/// A checked body.
#[derive(Debug)]
pub(super) struct Checked {
    /// The message type.
    pub(super) msg_type: &'static str,
    /// `"group"`, or the mentioned user ids joined by `,` (`@all` for everyone).
    pub(super) recipient: String,
    /// The text the keyword check searches (empty for `image` and `share_chat`).
    pub(super) texts: Vec<String>,
}

/// Checks `msg_type` and its `content` (or `card`).
pub(super) fn check(body: &Map<String, Value>, newer_post_tags: bool) -> Result<Checked, Rejection> {
    let name = match body.get("msg_type") {
        Some(Value::String(name)) if !name.is_empty() => name,
        _ => return Err(params_error("msg_type need")),
    };
    let msg_type = MSG_TYPES.iter().copied().find(|t| t == name).ok_or_else(|| params_error("unknown msg_type"))?;
    let mut mentions = Vec::new();
    let texts = if msg_type == "interactive" {
        let card = match body.get("card") {
            Some(Value::Object(card)) => card,
            _ => return Err(params_error("unknown card value")),
        };
        interactive(card, &mut mentions)?
    } else {
        let content = match body.get("content") {
            Some(Value::Object(content)) => content,
            _ => return Err(bad_content()),
        };
        match msg_type {
            "text" => {
                let text = required(content, "text")?;
                at_ids(&text, "<at user_id=", &mut mentions);
                vec![text]
            }
            "post" => post(content, newer_post_tags, &mut mentions)?,
            "image" => required(content, "image_key").map(|_| Vec::new())?,
            _ => required(content, "share_chat_id").map(|_| Vec::new())?,
        }
    };
    let recipient = if mentions.is_empty() { "group".to_owned() } else { mentions.join(",") };
    Ok(Checked { msg_type, recipient, texts })
}

/// A non-empty string field (9499 otherwise).
fn required(object: &Map<String, Value>, key: &str) -> Result<String, Rejection> {
    match object.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(bad_content()),
    }
}

/// `{"post": {locale: {"title"?, "content": [[tag, …], …]}, …}}` with at least one known locale.
fn post(content: &Map<String, Value>, newer_tags: bool, mentions: &mut Vec<String>) -> Result<Vec<String>, Rejection> {
    let locales = content.get("post").and_then(Value::as_object).filter(|l| !l.is_empty()).ok_or_else(bad_content)?;
    if locales.keys().any(|locale| !LOCALES.contains(&locale.as_str())) {
        return Err(bad_content());
    }
    let mut texts = Vec::new();
    for body in LOCALES.iter().filter_map(|locale| locales.get(*locale)) {
        let body = body.as_object().ok_or_else(bad_content)?;
        match body.get("title") {
            None | Some(Value::Null) => {}
            Some(Value::String(title)) => texts.push(title.clone()),
            Some(_) => return Err(bad_content()),
        }
        let paragraphs = body.get("content").and_then(Value::as_array).ok_or_else(bad_content)?;
        for paragraph in paragraphs {
            for tag in paragraph.as_array().ok_or_else(bad_content)? {
                tag_texts(tag.as_object().ok_or_else(bad_content)?, newer_tags, &mut texts, mentions)?;
            }
        }
    }
    Ok(texts)
}

/// One inline tag: `text`, `a`, `at`, `img` (and the newer ones when allowed).
fn tag_texts(
    tag: &Map<String, Value>,
    newer_tags: bool,
    texts: &mut Vec<String>,
    mentions: &mut Vec<String>,
) -> Result<(), Rejection> {
    match tag.get("tag").and_then(Value::as_str).unwrap_or_default() {
        "text" => texts.push(required(tag, "text")?),
        "a" => {
            texts.push(required(tag, "text")?);
            required(tag, "href")?;
        }
        "at" => mention(&required(tag, "user_id")?, mentions),
        "img" => drop(required(tag, "image_key")?),
        other if newer_tags && NEWER_TAGS.contains(&other) => collect_strings(&Value::Object(tag.clone()), texts),
        _ => return Err(bad_content()),
    }
    Ok(())
}

/// A message card: version 1 (`elements`) or 2 (`schema: "2.0"`, `body.elements`). Templates
/// (`{"type": "template"}`) are refused: whether the webhook takes them is unconfirmed.
fn interactive(card: &Map<String, Value>, mentions: &mut Vec<String>) -> Result<Vec<String>, Rejection> {
    let elements = if card.get("schema").and_then(Value::as_str) == Some("2.0") {
        card.get("body").and_then(|b| b.get("elements"))
    } else {
        card.get("elements")
    };
    if !elements.is_some_and(Value::is_array) {
        return Err(params_error("unknown card value"));
    }
    let mut texts = Vec::new();
    collect_strings(&Value::Object(card.clone()), &mut texts);
    for text in &texts {
        at_ids(text, "<at id=", mentions);
    }
    Ok(texts)
}

/// Every string value under `value`.
fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// The ids of `<at user_id="ou_x">` (text) or `<at id=ou_x>` (card Markdown) in `text`.
fn at_ids(text: &str, opening: &str, mentions: &mut Vec<String>) {
    for (start, _) in text.match_indices(opening) {
        let rest = &text[start + opening.len()..];
        let id: String = rest.trim_start_matches(['"', '\'']).chars().take_while(|c| !"\"'> ".contains(*c)).collect();
        if !id.is_empty() {
            mention(&id, mentions);
        }
    }
}

fn mention(id: &str, mentions: &mut Vec<String>) {
    let id = if id == "all" { "@all" } else { id };
    if !mentions.iter().any(|m| m == id) {
        mentions.push(id.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(body: Value) -> Result<Checked, (i64, String)> {
        check(body.as_object().unwrap(), false).map_err(|r| (r.code, r.text.into_owned()))
    }

    fn code(body: Value) -> Option<i64> {
        run(body).err().map(|e| e.0)
    }

    #[test]
    fn msg_types_and_contents() {
        assert_eq!(run(json!({"msgType": "text"})).err().unwrap().1, "params error, msg_type need");
        assert_eq!(code(json!({"msg_type": "file", "content": {}})), Some(19002));
        assert_eq!(code(json!({"msg_type": "text", "content": {"text": ""}})), Some(9499));
        assert_eq!(
            code(json!({"msg_type": "text", "content": "{\"text\":\"x\"}"})),
            Some(9499),
            "content is an object"
        );
        assert_eq!(code(json!({"msg_type": "image", "content": {"image_key": ""}})), Some(9499));
        assert!(run(json!({"msg_type": "image", "content": {"image_key": "img_v2_1"}})).unwrap().texts.is_empty());
        assert_eq!(code(json!({"msg_type": "share_chat", "content": {"share_open_chat_id": "oc_1"}})), Some(9499));
        assert_eq!(
            run(json!({"msg_type": "interactive", "content": {"text": "x"}})).err().unwrap().1,
            "params error, unknown card value"
        );
        assert_eq!(code(json!({"msg_type": "interactive", "card": {"type": "template", "data": {}}})), Some(19002));
        let v2 = json!({"msg_type": "interactive", "card": {"schema": "2.0", "body": {"elements": [{"tag": "markdown", "content": "<at id=all></at> hi"}]}}});
        assert_eq!(run(v2).unwrap().recipient, "@all");
    }

    #[test]
    fn mentions_from_text_post_and_cards() {
        let text = json!({"msg_type": "text", "content": {"text": "<at user_id=\"ou_1\">A</at> <at user_id=\"all\">所有人</at>"}});
        assert_eq!(run(text).unwrap().recipient, "ou_1,@all");
        let post = json!({"msg_type": "post", "content": {"post": {"zh_cn": {"title": "T", "content": [
            [{"tag": "text", "text": "hi "}, {"tag": "at", "user_id": "ou_2"}, {"tag": "a", "text": "doc", "href": "https://e.com"}],
            [{"tag": "img", "image_key": "img_1"}]]}}}});
        let checked = run(post).unwrap();
        assert_eq!(
            (checked.recipient.as_str(), checked.texts),
            ("ou_2", vec!["T".to_owned(), "hi ".into(), "doc".into()])
        );
        let card = json!({"msg_type": "interactive", "card": {"elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "<at id=ou_3></at>"}}]}});
        assert_eq!(run(card).unwrap().recipient, "ou_3");
    }

    #[test]
    fn post_shapes() {
        let post = |locales: Value| json!({"msg_type": "post", "content": {"post": locales}});
        assert_eq!(code(post(json!({}))), Some(9499));
        assert_eq!(code(post(json!({"fr_fr": {"content": []}}))), Some(9499));
        assert_eq!(code(post(json!({"en_us": {"title": "t"}}))), Some(9499), "content is required");
        assert_eq!(code(post(json!({"en_us": {"content": [[{"tag": "a", "text": "x"}]]}}))), Some(9499));
        let md = post(json!({"en_us": {"content": [[{"tag": "md", "text": "**x**"}]]}}));
        assert_eq!(code(md.clone()), Some(9499), "newer tags are refused by default");
        assert!(check(md.as_object().unwrap(), true).is_ok());
    }
}
