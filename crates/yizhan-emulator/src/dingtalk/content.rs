//! Per-msgtype checks of a DingTalk robot body (`docs/dingtalk-feishu.md`, "DingTalk message
//! types"): `text`, `link`, `markdown`, `actionCard` (one button or several), `feedCard`, and the
//! optional `at`. Field names are case-sensitive and differ between types (`messageUrl` in a
//! link, `messageURL` in a feedCard link), exactly as DingTalk names them.

use serde_json::{Map, Value};

use super::errmsg::{missing, standard};
use crate::group_bot::Rejection;

/// The message types a custom robot accepts.
pub(super) const MSGTYPES: [&str; 5] = ["text", "link", "markdown", "actionCard", "feedCard"];

/// A checked body.
#[derive(Debug)]
pub(super) struct Checked {
    /// The message type.
    pub(super) msgtype: &'static str,
    /// `"group"`, or the mentions of a text or markdown message joined by `,`: user ids, then
    /// mobiles, then `@all`.
    pub(super) recipient: String,
    /// The text fields the keyword check searches.
    pub(super) texts: Vec<String>,
}

/// Checks `msgtype`, the object named after it and `at`.
pub(super) fn check(body: &Map<String, Value>) -> Result<Checked, Rejection> {
    let name = body.get("msgtype").and_then(Value::as_str).unwrap_or_default();
    let msgtype = MSGTYPES.iter().copied().find(|t| *t == name).ok_or_else(|| standard(400105))?;
    let object = match body.get(msgtype) {
        Some(Value::Object(map)) => map,
        _ => return Err(missing(msgtype)),
    };
    let field = |key: &str| required(object, msgtype, key);
    let texts = match msgtype {
        "text" => vec![field("content")?],
        "markdown" => vec![field("title")?, field("text")?],
        "link" => {
            let texts = vec![field("title")?, field("text")?];
            field("messageUrl")?;
            optional(object, msgtype, "picUrl")?;
            texts
        }
        "actionCard" => action_card(object)?,
        _ => feed_card(object)?,
    };
    let mentions = at(body.get("at"))?;
    let recipient = if mentions.is_empty() || !matches!(msgtype, "text" | "markdown") {
        "group".to_owned()
    } else {
        mentions.join(",")
    };
    Ok(Checked { msgtype, recipient, texts })
}

/// A non-empty string field (400402/400403 otherwise).
fn required(object: &Map<String, Value>, path: &str, key: &str) -> Result<String, Rejection> {
    match object.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(missing(&format!("{path} --》 {key}"))),
    }
}

/// An optional string field (absent, `null` or a string, possibly empty).
fn optional(object: &Map<String, Value>, path: &str, key: &str) -> Result<(), Rejection> {
    match object.get(key) {
        None | Some(Value::Null | Value::String(_)) => Ok(()),
        Some(_) => Err(missing(&format!("{path} --》 {key}"))),
    }
}

/// `"0"` or `"1"` when present (`btnOrientation`, `hideAvatar`; strings, as the SDK types them).
fn flag(object: &Map<String, Value>, key: &str) -> Result<(), Rejection> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if s == "0" || s == "1" => Ok(()),
        Some(_) => Err(missing(&format!("actionCard --》 {key}"))),
    }
}

/// Whole-card jump (`singleTitle` + `singleURL`; `btns` is then ignored) or independent buttons.
fn action_card(object: &Map<String, Value>) -> Result<Vec<String>, Rejection> {
    let path = "actionCard";
    let texts = vec![required(object, path, "title")?, required(object, path, "text")?];
    flag(object, "btnOrientation")?;
    flag(object, "hideAvatar")?;
    if object.get("singleTitle").is_some_and(|v| !v.is_null()) {
        required(object, path, "singleTitle")?;
        required(object, path, "singleURL")?;
        return Ok(texts);
    }
    let buttons = match object.get("btns") {
        Some(Value::Array(buttons)) if !buttons.is_empty() => buttons,
        _ => return Err(missing("actionCard --》 btns")),
    };
    for button in buttons {
        let button = button.as_object().ok_or_else(|| missing("actionCard --》 btns"))?;
        required(button, "actionCard --》 btns", "title")?;
        required(button, "actionCard --》 btns", "actionURL")?;
    }
    Ok(texts)
}

/// `links` of `{title, messageURL, picURL}`, all three required.
fn feed_card(object: &Map<String, Value>) -> Result<Vec<String>, Rejection> {
    let links = match object.get("links") {
        Some(Value::Array(links)) if !links.is_empty() => links,
        _ => return Err(missing("feedCard --》 links")),
    };
    let mut titles = Vec::with_capacity(links.len());
    for link in links {
        let link = link.as_object().ok_or_else(|| missing("feedCard --》 links"))?;
        let path = "feedCard --》 links";
        titles.push(required(link, path, "title")?);
        required(link, path, "messageURL")?;
        required(link, path, "picURL")?;
    }
    Ok(titles)
}

/// The mentions of `at`: `atUserIds`, then `atMobiles`, then `@all` for `isAtAll: true`.
fn at(value: Option<&Value>) -> Result<Vec<String>, Rejection> {
    let object = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(missing("at")),
    };
    let mut mentions = Vec::new();
    for key in ["atUserIds", "atMobiles"] {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    let id = item.as_str().ok_or_else(|| missing(&format!("at --》 {key}")))?;
                    mentions.push(id.to_owned());
                }
            }
            Some(_) => return Err(missing(&format!("at --》 {key}"))),
        }
    }
    match object.get("isAtAll") {
        None | Some(Value::Null | Value::Bool(false)) => {}
        Some(Value::Bool(true)) => mentions.push("@all".to_owned()),
        Some(_) => return Err(missing("at --》 isAtAll")),
    }
    Ok(mentions)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(body: Value) -> Result<Checked, i64> {
        check(body.as_object().unwrap()).map_err(|r| r.code)
    }

    #[test]
    fn msgtypes_and_missing_fields() {
        assert_eq!(code(json!({"msgtype": "image"})).err(), Some(400105));
        assert_eq!(code(json!({"text": {"content": "x"}})).err(), Some(400105));
        assert_eq!(code(json!({"msgtype": "text"})).err(), Some(400403));
        assert_eq!(code(json!({"msgtype": "text", "text": {"content": " "}})).err(), Some(400403));
        assert_eq!(code(json!({"msgtype": "markdown", "markdown": {"text": "t"}})).err(), Some(400402));
        let link = json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageURL": "u"}});
        assert_eq!(code(link).err(), Some(400403), "messageUrl is spelled with a lower-case rl in links");
        let feed =
            json!({"msgtype": "feedCard", "feedCard": {"links": [{"title": "t", "messageUrl": "u", "picURL": "p"}]}});
        assert_eq!(code(feed).err(), Some(400403), "messageURL is upper-case in feedCard links");
        let orientation = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x",
            "singleTitle": "go", "singleURL": "u", "btnOrientation": 1}});
        assert_eq!(code(orientation).err(), Some(400403));
    }

    #[test]
    fn action_cards_take_one_button_or_several() {
        let single = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "singleTitle": "go",
            "singleURL": "u", "btns": "ignored"}});
        assert_eq!(code(single).unwrap().texts, ["t", "x"]);
        let no_url = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "singleTitle": "go"}});
        assert_eq!(code(no_url).err(), Some(400403));
        let btns = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "btnOrientation": "1",
            "btns": [{"title": "a", "actionURL": "u"}, {"title": "b", "actionURL": "v"}]}});
        assert!(code(btns).is_ok());
        let empty = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "btns": []}});
        assert_eq!(code(empty).err(), Some(400403));
        let bad = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "btns": [{"title": "a"}]}});
        assert_eq!(code(bad).err(), Some(400403));
    }

    #[test]
    fn at_becomes_the_recipient_of_text_and_markdown() {
        let text = json!({"msgtype": "text", "text": {"content": "hi @138"},
            "at": {"atMobiles": ["138"], "atUserIds": ["u1"], "isAtAll": true}});
        assert_eq!(code(text).unwrap().recipient, "u1,138,@all");
        let link =
            json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "u"}, "at": {"isAtAll": true}});
        assert_eq!(code(link).unwrap().recipient, "group");
        assert_eq!(
            code(json!({"msgtype": "text", "text": {"content": "x"}, "at": {"isAtAll": "true"}})).err(),
            Some(400403)
        );
        assert_eq!(
            code(json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atMobiles": "138"}})).err(),
            Some(400403)
        );
        assert_eq!(code(json!({"msgtype": "text", "text": {"content": "x"}, "at": []})).err(), Some(400403));
    }
}
