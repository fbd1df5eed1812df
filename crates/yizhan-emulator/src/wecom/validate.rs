//! Per-msgtype checks of a message/send body (WeCom docs: 发送应用消息, message types), with the
//! documented truncations.
//!
//! The checked object is returned as delivered: over-long text and titles are cut at a UTF-8
//! character boundary, never rejected below the hard caps. The code table is in the crate README.

use serde_json::{Map, Value};

use super::errmsg::Rejection;
use super::template_card::{self, Card};

/// Message types `message/send` accepts.
pub(crate) const MSGTYPES: [&str; 11] = [
    "text",
    "image",
    "voice",
    "video",
    "file",
    "textcard",
    "news",
    "mpnews",
    "markdown",
    "miniprogram_notice",
    "template_card",
];

/// Text and markdown content longer than this is truncated.
pub(crate) const CONTENT_TRUNCATE_BYTES: usize = 2048;
/// Text content longer than this is rejected with 40058 (observed).
pub(crate) const TEXT_MAX_BYTES: usize = 5120;
/// Markdown content longer than this is rejected with 40058 (observed on the webhook).
pub(crate) const MARKDOWN_MAX_BYTES: usize = 4096;
/// Most articles in news/mpnews (45008 beyond).
pub(crate) const MAX_ARTICLES: usize = 8;
/// Longest url (40039 beyond).
pub(crate) const URL_MAX_BYTES: usize = 2048;
const MPNEWS_CONTENT_MAX_BYTES: usize = 666 * 1024;

/// A checked message-type object, ready for the inbox.
#[derive(Debug)]
pub(crate) struct Content {
    /// The message type.
    pub(crate) msgtype: &'static str,
    /// The `<msgtype>` object as delivered.
    pub(crate) object: Value,
    /// For template cards: the card type and whether it gets a response code.
    pub(crate) card: Option<Card>,
}

/// Reads `msgtype` (40008 when missing or unknown).
pub(crate) fn msgtype(body: &Map<String, Value>) -> Result<&'static str, Rejection> {
    msgtype_of(body, &MSGTYPES)
}

/// Reads `msgtype` against an endpoint's own list (40008 when missing or not in `allowed`).
pub(crate) fn msgtype_of(body: &Map<String, Value>, allowed: &[&'static str]) -> Result<&'static str, Rejection> {
    let name = body.get("msgtype").and_then(Value::as_str).unwrap_or_default();
    allowed.iter().copied().find(|t| *t == name).ok_or_else(|| Rejection::new(40008))
}

/// The `<msgtype>` object as a map: absent or `null` is empty, anything but an object is 40035.
pub(crate) fn object_map(msgtype: &str, object: Option<Value>) -> Result<Map<String, Value>, Rejection> {
    match object {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(invalid(msgtype)),
    }
}

/// Checks the `<msgtype>` object of a request (`None` when absent).
pub(crate) fn content(msgtype: &'static str, object: Option<Value>) -> Result<Content, Rejection> {
    let mut map = object_map(msgtype, object)?;
    let mut card = None;
    match msgtype {
        "text" => {
            let len = string(&map, "content")?.map_or(0, str::len);
            if len == 0 {
                return Err(Rejection::new(44004));
            }
            if len > TEXT_MAX_BYTES {
                return Err(too_long("text.content", TEXT_MAX_BYTES));
            }
            truncate(&mut map, "content", CONTENT_TRUNCATE_BYTES);
        }
        "markdown" => {
            let len = required(&map, "content")?.len();
            if len > MARKDOWN_MAX_BYTES {
                return Err(too_long("markdown.content", MARKDOWN_MAX_BYTES));
            }
            truncate(&mut map, "content", CONTENT_TRUNCATE_BYTES);
        }
        "image" | "voice" | "file" => media_id(&map, "media_id")?,
        "video" => {
            media_id(&map, "media_id")?;
            truncate(&mut map, "title", 128);
            truncate(&mut map, "description", 512);
        }
        "textcard" => {
            required(&map, "title")?;
            required(&map, "description")?;
            url(required(&map, "url")?)?;
            truncate(&mut map, "title", 128);
            truncate(&mut map, "description", 512);
            truncate_chars(&mut map, "btntxt", 4);
        }
        "news" | "mpnews" => articles(&mut map, msgtype == "mpnews")?,
        "miniprogram_notice" => miniprogram_notice(&map)?,
        _ => card = Some(template_card::check(&map)?),
    }
    Ok(Content { msgtype, object: Value::Object(map), card })
}

/// The `media_id` of an image, voice, video or file message (already known to be a non-empty
/// string).
pub(crate) fn media_id_of(content: &Content) -> Option<&str> {
    match content.msgtype {
        "image" | "voice" | "video" | "file" => content.object.get("media_id").and_then(Value::as_str),
        _ => None,
    }
}

fn articles(map: &mut Map<String, Value>, mpnews: bool) -> Result<(), Rejection> {
    let list = match map.get_mut("articles") {
        None | Some(Value::Null) => return Err(Rejection::new(40063)),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid("articles")),
    };
    if list.is_empty() {
        return Err(Rejection::new(40063));
    }
    if list.len() > MAX_ARTICLES {
        return Err(Rejection::new(45008));
    }
    for article in list {
        let article = article.as_object_mut().ok_or_else(|| invalid("articles"))?;
        required(article, "title")?;
        if mpnews {
            media_id(article, "thumb_media_id")?;
            if required(article, "content")?.len() > MPNEWS_CONTENT_MAX_BYTES {
                return Err(Rejection::new(45002));
            }
            if string(article, "author")?.is_some_and(|a| a.len() > 64) {
                return Err(Rejection::new(45032));
            }
            truncate(article, "digest", 512);
        } else {
            let has_appid = string(article, "appid")?.is_some_and(|s| !s.is_empty());
            if has_appid {
                required(article, "pagepath")?;
            } else {
                url(required(article, "url")?)?;
            }
            if let Some(pic) = string(article, "picurl")? {
                url(pic)?;
            }
            truncate(article, "description", 512);
        }
        truncate(article, "title", 128);
    }
    Ok(())
}

fn miniprogram_notice(map: &Map<String, Value>) -> Result<(), Rejection> {
    if string(map, "appid")?.is_none_or(str::is_empty) {
        return Err(Rejection::new(90200));
    }
    required(map, "title")?;
    let items = match map.get("content_item") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("content_item")),
    };
    if items.len() > 10 {
        return Err(Rejection::new(90201));
    }
    for item in items {
        let item = item.as_object().ok_or_else(|| invalid("content_item"))?;
        if string(item, "key")?.is_some_and(|k| k.chars().count() > 10) {
            return Err(Rejection::new(90202));
        }
        if string(item, "value")?.is_some_and(|v| v.chars().count() > 30) {
            return Err(Rejection::new(90203));
        }
    }
    Ok(())
}

/// 40035 naming the offending field.
pub(crate) fn invalid(field: &str) -> Rejection {
    Rejection::with_text(40035, format!("invalid Request Parameter, invalid {field}"))
}

/// 40058 naming the field and the limit (observed text).
pub(crate) fn too_long(field: &str, max: usize) -> Rejection {
    Rejection::with_text(40058, format!("{field} exceed max length {max}. Invalid input invalid Request Parameter"))
}

/// A string field: `None` when absent or null, 40035 when of another type.
pub(crate) fn string<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Rejection> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(key)),
    }
}

/// A required, non-empty string field (40063 when missing or empty).
pub(crate) fn required<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a str, Rejection> {
    match string(map, key)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Rejection::with_text(40063, format!("some parameters are empty, {key} missing"))),
    }
}

fn media_id(map: &Map<String, Value>, key: &str) -> Result<(), Rejection> {
    match string(map, key)? {
        Some(s) if !s.is_empty() => Ok(()),
        _ => Err(Rejection::new(41006)),
    }
}

fn url(url: &str) -> Result<(), Rejection> {
    if url.len() > URL_MAX_BYTES {
        return Err(Rejection::new(40039));
    }
    Ok(())
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn prefix_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Cuts string field `key` to at most `max` bytes at a character boundary.
pub(crate) fn truncate(map: &mut Map<String, Value>, key: &str, max: usize) {
    if let Some(Value::String(s)) = map.get_mut(key) {
        let keep = prefix_bytes(s, max).len();
        s.truncate(keep);
    }
}

fn truncate_chars(map: &mut Map<String, Value>, key: &str, max: usize) {
    if let Some(Value::String(s)) = map.get_mut(key)
        && let Some((end, _)) = s.char_indices().nth(max)
    {
        s.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(msgtype: &'static str, object: Value) -> Result<Value, i64> {
        content(msgtype, Some(object)).map(|c| c.object).map_err(|r| r.code)
    }

    #[test]
    fn prefix_respects_char_boundaries() {
        assert_eq!(prefix_bytes("abc", 2), "ab");
        assert_eq!(prefix_bytes("中文", 4), "中");
        assert_eq!(prefix_bytes("中文", 6), "中文");
        assert_eq!(prefix_bytes("", 0), "");
    }

    #[test]
    fn text_limits() {
        assert_eq!(check("text", json!({})), Err(44004));
        assert_eq!(check("text", json!({"content": ""})), Err(44004));
        assert_eq!(check("text", json!({"content": 5})), Err(40035));
        assert_eq!(check("text", json!({"content": "x".repeat(5121)})), Err(40058));
        let long = check("text", json!({"content": "中".repeat(1000)})).expect("truncated");
        assert_eq!(long["content"].as_str().map(str::len), Some(2046));
    }

    #[test]
    fn other_types() {
        assert_eq!(check("markdown", json!({"content": "x".repeat(4097)})), Err(40058));
        assert_eq!(check("markdown", json!({})), Err(40063));
        assert_eq!(check("image", json!({})), Err(41006));
        assert_eq!(check("textcard", json!({"title": "t", "description": "d"})), Err(40063));
        let card = check("textcard", json!({"title": "t", "description": "d", "url": "u", "btntxt": "更多详情吧"}));
        assert_eq!(card.expect("ok")["btntxt"], "更多详情");
        assert_eq!(check("news", json!({"articles": []})), Err(40063));
        assert_eq!(check("news", json!({"articles": vec![json!({"title": "t", "url": "u"}); 9]})), Err(45008));
        assert_eq!(check("news", json!({"articles": [{"title": "t"}]})), Err(40063));
        assert_eq!(check("mpnews", json!({"articles": [{"title": "t", "content": "c"}]})), Err(41006));
        assert_eq!(check("miniprogram_notice", json!({"title": "t"})), Err(90200));
        assert!(content("text", Some(json!("x"))).is_err());
    }
}
