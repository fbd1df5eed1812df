//! Per-msgtype checks of a webhook body (WeCom docs: 群机器人配置说明). The checked object is
//! returned as delivered (text and article fields cut like app messages). The code table is in the
//! README.

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use md5::{Digest as _, Md5};
use serde_json::{Map, Value};

use crate::wecom::errmsg::Rejection;
use crate::wecom::template_card;
use crate::wecom::validate::{
    CONTENT_TRUNCATE_BYTES, MARKDOWN_MAX_BYTES, MAX_ARTICLES, TEXT_MAX_BYTES, URL_MAX_BYTES, invalid, required, string,
    too_long, truncate,
};

/// Message types the webhook accepts.
pub(super) const MSGTYPES: [&str; 8] =
    ["text", "markdown", "markdown_v2", "image", "news", "file", "voice", "template_card"];
/// Largest raw image (2 MB).
pub(super) const IMAGE_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Standard base64, padded or not (real servers decode with lenient JVM decoders).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A checked robot message.
#[derive(Debug)]
pub(super) struct Content {
    /// The message type.
    pub(super) msgtype: &'static str,
    /// The `<msgtype>` object as delivered.
    pub(super) object: Value,
    /// `"group"`, or the mentions of a text message joined by `,` (user ids, then mobiles).
    pub(super) recipient: String,
    /// For `file` and `voice`: the media_id, to be checked against the robot's uploads.
    pub(super) media_id: Option<String>,
}

/// Reads `msgtype` (40008 when missing or not one of the eight).
pub(super) fn msgtype(body: &Map<String, Value>) -> Result<&'static str, Rejection> {
    crate::wecom::validate::msgtype_of(body, &MSGTYPES)
}

/// Checks the `<msgtype>` object (`None` when absent).
pub(super) fn check(msgtype: &'static str, object: Option<Value>) -> Result<Content, Rejection> {
    let mut map = crate::wecom::validate::object_map(msgtype, object)?;
    let mut recipient = "group".to_owned();
    let mut media_id = None;
    match msgtype {
        "text" => {
            let len = string(&map, "content")?.map_or(0, str::len);
            if len == 0 {
                return Err(Rejection::new(44004));
            }
            if len > TEXT_MAX_BYTES {
                return Err(too_long("text.content", TEXT_MAX_BYTES));
            }
            let mut mentions = list(&map, "mentioned_list")?;
            mentions.extend(list(&map, "mentioned_mobile_list")?);
            if !mentions.is_empty() {
                recipient = mentions.join(",");
            }
            truncate(&mut map, "content", CONTENT_TRUNCATE_BYTES);
        }
        "markdown" | "markdown_v2" => {
            if required(&map, "content")?.len() > MARKDOWN_MAX_BYTES {
                return Err(too_long(&format!("{msgtype}.content"), MARKDOWN_MAX_BYTES));
            }
        }
        "image" => image(&map)?,
        "news" => news(&mut map)?,
        "file" | "voice" => match string(&map, "media_id")? {
            Some(id) if !id.is_empty() => media_id = Some(id.to_owned()),
            _ => return Err(Rejection::new(41006)),
        },
        _ => card(&map)?,
    }
    Ok(Content { msgtype, object: Value::Object(map), recipient, media_id })
}

/// A list of strings (empty when absent; 40035 when not a list of strings).
fn list(map: &Map<String, Value>, key: &str) -> Result<Vec<String>, Rejection> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            items.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(|| invalid(key))).collect()
        }
        Some(_) => Err(invalid(key)),
    }
}

fn image(map: &Map<String, Value>) -> Result<(), Rejection> {
    let data = required(map, "base64")?;
    let md5 = required(map, "md5")?;
    let raw = BASE64.decode(data.as_bytes()).map_err(|_| invalid("base64"))?;
    if raw.is_empty() {
        return Err(Rejection::new(44001));
    }
    if raw.len() > IMAGE_MAX_BYTES {
        return Err(Rejection::new(40009));
    }
    let actual = hex::encode(Md5::digest(&raw));
    if !md5.eq_ignore_ascii_case(&actual) {
        return Err(Rejection::with_text(40058, "image md5 does not match the base64 data. invalid Request Parameter"));
    }
    Ok(())
}

fn news(map: &mut Map<String, Value>) -> Result<(), Rejection> {
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
        for url in [Some(required(article, "url")?), string(article, "picurl")?].into_iter().flatten() {
            if url.len() > URL_MAX_BYTES {
                return Err(Rejection::new(40039));
            }
        }
        truncate(article, "title", 128);
        truncate(article, "description", 512);
    }
    Ok(())
}

/// Notice cards only, without the callback fields of application cards.
fn card(map: &Map<String, Value>) -> Result<(), Rejection> {
    let card_type = required(map, "card_type")?;
    if !matches!(card_type, "text_notice" | "news_notice") {
        return Err(Rejection::with_text(
            40035,
            format!("invalid Request Parameter, card_type {card_type} is not supported by webhook"),
        ));
    }
    for callback in ["action_menu", "task_id"] {
        if map.get(callback).is_some_and(|v| !v.is_null()) {
            return Err(Rejection::with_text(
                40035,
                format!("invalid Request Parameter, {callback} is not supported by webhook"),
            ));
        }
    }
    template_card::check(map).map(drop)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(msgtype: &'static str, object: Value) -> Result<Content, i64> {
        check(msgtype, Some(object)).map_err(|r| r.code)
    }

    #[test]
    fn text_mentions_become_the_recipient() {
        let c = code(
            "text",
            json!({"content": "hi", "mentioned_list": ["alice", "@all"], "mentioned_mobile_list": ["138"]}),
        );
        assert_eq!(c.map(|c| c.recipient).ok().as_deref(), Some("alice,@all,138"));
        assert_eq!(code("text", json!({"content": "hi"})).map(|c| c.recipient).ok().as_deref(), Some("group"));
        assert_eq!(code("text", json!({"content": "hi", "mentioned_list": "alice"})).err(), Some(40035));
        assert_eq!(code("text", json!({"content": "x".repeat(5121)})).err(), Some(40058));
        assert_eq!(code("text", json!({})).err(), Some(44004));
    }

    #[test]
    fn markdown_limits_and_image_md5() {
        assert_eq!(code("markdown_v2", json!({"content": "x".repeat(4097)})).err(), Some(40058));
        assert!(code("markdown_v2", json!({"content": "x".repeat(4096)})).is_ok());
        let ok = json!({"base64": "aGVsbG8", "md5": "5D41402ABC4B2A76B9719D911017C592"});
        assert!(code("image", ok).is_ok(), "unpadded base64 and upper-case md5 are accepted");
        assert_eq!(code("image", json!({"base64": "aGVsbG8=", "md5": "00"})).err(), Some(40058));
        assert_eq!(code("image", json!({"base64": "!!", "md5": "00"})).err(), Some(40035));
        assert_eq!(code("image", json!({"base64": "aGVsbG8="})).err(), Some(40063));
    }

    #[test]
    fn cards_news_and_media() {
        let notice =
            json!({"card_type": "text_notice", "main_title": {"title": "t"}, "card_action": {"type": 1, "url": "u"}});
        assert!(code("template_card", notice.clone()).is_ok());
        let mut with_task = notice;
        with_task["task_id"] = json!("t1");
        assert_eq!(code("template_card", with_task).err(), Some(40035));
        assert_eq!(code("template_card", json!({"card_type": "vote_interaction"})).err(), Some(40035));
        assert_eq!(code("news", json!({"articles": [{"title": "t"}]})).err(), Some(40063));
        assert_eq!(code("news", json!({"articles": vec![json!({"title": "t", "url": "u"}); 9]})).err(), Some(45008));
        assert_eq!(code("file", json!({})).err(), Some(41006));
        assert_eq!(code("voice", json!({"media_id": "m"})).ok().and_then(|c| c.media_id).as_deref(), Some("m"));
    }
}
