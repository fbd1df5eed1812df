//! Planning for `wecom_app` and `wecom_robot` channels.
//!
//! Duplicate check (docs/gateway.md, "Repeated messages"): a `wecom_app` channel sends with
//! `enable_duplicate_check=1` (unless the channel turns it off) and `duplicate_check_interval` =
//! `options.duplicate_check_interval`, else the channel's setting, else
//! [`GATEWAY_DUPLICATE_CHECK_INTERVAL`] (14400 s, the default retry horizon). The check makes a
//! resend after an ambiguous failure safe: WeCom drops it if the first attempt did arrive. Its
//! price would be that the *same* request from *another* message within the interval is dropped
//! too, while WeCom still answers ok. So each such body carries a [`DuplicateGuard`]
//! ([`duplicate_guard`]): the store tells the worker when an identical body of another message
//! is still inside its window, and the worker then sends this one without the check
//! ([`without_duplicate_check`]) so it is delivered, or, when the caller asked for
//! `options.dedupe`, records it `suppressed_duplicate` without sending.

use sha2::{Digest, Sha256};
use yizhan_store::DuplicateGuard;
use yizhan_wecom::message::{Message, News, NewsArticle, TextCard};
use yizhan_wecom::recipients::{ALL_USERS, MAX_USERS};
use yizhan_wecom::robot::{RobotArticle, RobotText};
use yizhan_wecom::{Recipients, RobotClient, RobotMessage, SendRequest, WecomClient};

use super::error::ApiError;
use super::model::{Content, MediaRef, MessageRequest};
use super::plan::{PlannedDispatch, endpoint, invalid, reject_recipients, unsupported_content};
use crate::config::WecomAppConfig;
use crate::providers::Recipient;

/// The gateway's default `duplicate_check_interval`: WeCom's maximum, 4 h, as long as the
/// default retry horizon, so every resend of a message stays inside its own window.
pub const GATEWAY_DUPLICATE_CHECK_INTERVAL: u32 = yizhan_wecom::api::message_send::MAX_DUPLICATE_CHECK_INTERVAL;

const APP_RECIPIENTS: &[&str] = &["users", "parties", "tags", "all", "chatid"];
const APP_CONTENT: &str = "text, markdown, image, file, news, card or wecom";
const ROBOT_CONTENT: &str = "text, markdown, file, news or wecom_robot";

/// The dispatches of a `wecom_app` message: `message/send` per 1000 users, or `appchat/send`.
pub(super) fn app_dispatches(request: &MessageRequest, app: &WecomAppConfig) -> Result<Vec<PlannedDispatch>, ApiError> {
    reject_recipients(request, &app.name, "wecom_app", APP_RECIPIENTS)?;
    let message = app_message(request, &app.name)?;
    let to = &request.to;
    if let Some(chatid) = &to.chatid {
        if !to.users.is_empty() || !to.parties.is_empty() || !to.tags.is_empty() || to.all {
            return Err(ApiError::validation(
                "to.chatid",
                "a group chat is addressed alone, without users, parties, tags or all",
            ));
        }
        let body = yizhan_wecom::api::appchat::SendRequest {
            chatid: chatid.clone(),
            message,
            safe: request.options.safe.then_some(1),
        };
        body.validate().map_err(|e| invalid(&e.field, &e.problem, request))?;
        return Ok(vec![PlannedDispatch {
            endpoint: endpoint::WECOM_APPCHAT_SEND,
            body: to_json(&body)?,
            dedupe_id: None,
            recipients: vec![Recipient::Chat(chatid).label()],
            after: None,
        }]);
    }
    let users = match (to.all, to.users.is_empty()) {
        (true, false) => return Err(ApiError::validation("to.all", "give all or users, not both")),
        (true, true) => vec![ALL_USERS.to_owned()],
        (false, _) => to.users.clone(),
    };
    if users.is_empty() && to.parties.is_empty() && to.tags.is_empty() {
        return Err(ApiError::validation("to", "no recipient: give users, parties, tags, all or chatid"));
    }
    let chunks: Vec<&[String]> = if users.is_empty() { vec![&[]] } else { users.chunks(MAX_USERS).collect() };
    let mut dispatches = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let recipients = Recipients {
            users: chunk.to_vec(),
            parties: if i == 0 { to.parties.clone() } else { Vec::new() },
            tags: if i == 0 { to.tags.clone() } else { Vec::new() },
        };
        let mut send = SendRequest::new(app.agent_id, &recipients, message.clone());
        if request.options.safe {
            send.safe = Some(1);
        }
        match request.options.duplicate_check_interval {
            Some(interval) => {
                send.enable_duplicate_check = Some(1);
                send.duplicate_check_interval = Some(interval);
            }
            None => crate::channels::apply_duplicate_check(app, &mut send, GATEWAY_DUPLICATE_CHECK_INTERVAL),
        }
        let prepared = WecomClient::prepare(&send).map_err(|e| wecom_error(&e, request))?;
        let names = recipients.users.iter().map(|u| Recipient::User(u).label());
        let names = names
            .chain(recipients.parties.iter().map(|p| Recipient::Party(p).label()))
            .chain(recipients.tags.iter().map(|t| Recipient::Tag(t).label()));
        dispatches.push(PlannedDispatch {
            endpoint: endpoint::WECOM_MESSAGE_SEND,
            body: prepared.body.to_vec(),
            dedupe_id: None,
            recipients: names.collect(),
            after: None,
        });
    }
    Ok(dispatches)
}

/// The one dispatch of a `wecom_robot` message: `webhook/send` to the robot's group.
pub(super) fn robot_dispatches(request: &MessageRequest, channel: &str) -> Result<Vec<PlannedDispatch>, ApiError> {
    reject_recipients(request, channel, "wecom_robot", &["mentions", "mention_mobiles"])?;
    let to = &request.to;
    let mentions = !to.mentions.is_empty() || !to.mention_mobiles.is_empty();
    if mentions && !matches!(request.content, Content::Text(_)) {
        let field = if to.mentions.is_empty() { "to.mention_mobiles" } else { "to.mentions" };
        return Err(ApiError::validation(field, "mentions go with text content (in markdown write <@userid>)"));
    }
    let message = match &request.content {
        Content::Text(text) => RobotText::new(text.clone())
            .mention(to.mentions.iter().cloned())
            .mention_mobile(to.mention_mobiles.iter().cloned())
            .into(),
        Content::Markdown(markdown) => RobotMessage::markdown(markdown.clone()),
        Content::File(media) => RobotMessage::file(media_id(media, "file")?),
        Content::News(news) => RobotMessage::news(news.articles.iter().map(|a| RobotArticle {
            title: a.title.clone(),
            description: a.description.clone(),
            url: a.url.clone(),
            picurl: a.picurl.clone(),
        })),
        Content::WecomRobot(message) => message.clone(),
        other => return Err(unsupported_content(other, channel, "wecom_robot", ROBOT_CONTENT)),
    };
    let body = RobotClient::prepare(&message).map_err(|e| wecom_error(&e, request))?;
    Ok(vec![PlannedDispatch {
        endpoint: endpoint::WECOM_WEBHOOK_SEND,
        body: body.to_vec(),
        dedupe_id: None,
        recipients: vec!["group".to_owned()],
        after: None,
    }])
}

/// The `message/send` payload of provider-neutral or raw WeCom content.
fn app_message(request: &MessageRequest, channel: &str) -> Result<Message, ApiError> {
    Ok(match &request.content {
        Content::Text(text) => Message::text(text.clone()),
        Content::Markdown(markdown) => Message::markdown(markdown.clone()),
        Content::Image(media) => Message::image(media_id(media, "image")?),
        Content::File(media) => Message::file(media_id(media, "file")?),
        Content::News(news) => Message::News {
            news: News::new(news.articles.iter().map(|a| NewsArticle {
                description: a.description.clone(),
                picurl: a.picurl.clone(),
                ..NewsArticle::url(a.title.clone(), a.url.clone())
            })),
        },
        Content::Card(card) => Message::Textcard {
            textcard: TextCard {
                btntxt: card.button_text.clone(),
                ..TextCard::new(&card.title, &card.description, &card.url)
            },
        },
        Content::Wecom(message) => message.clone(),
        other => return Err(unsupported_content(other, channel, "wecom_app", APP_CONTENT)),
    })
}

/// The `media_id` of a media reference; URLs are not supported yet.
fn media_id(media: &MediaRef, key: &str) -> Result<String, ApiError> {
    match (&media.media_id, &media.url) {
        (Some(id), None) => Ok(id.clone()),
        (None, Some(_)) => Err(ApiError::validation(
            format!("content.{key}.url"),
            "media URLs are not yet supported by the gateway: upload the media and give media_id",
        )),
        _ => Err(ApiError::validation(format!("content.{key}"), "give exactly one of media_id and url")),
    }
}

fn wecom_error(error: &yizhan_wecom::Error, request: &MessageRequest) -> ApiError {
    match error {
        yizhan_wecom::Error::Invalid(e) => invalid(&e.field, &e.problem, request),
        other => ApiError::internal(format!("cannot prepare the WeCom request: {other}")),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("cannot serialize the provider body: {e}")))
}

/// The duplicate guard of a planned dispatch: a `message/send` body with
/// `enable_duplicate_check=1` is deduplicated by WeCom for `duplicate_check_interval` seconds
/// (default 1800) after it was accepted, keyed by its SHA-256. `suppress` is `options.dedupe`.
pub(crate) fn duplicate_guard(endpoint: &str, body: &[u8], suppress: bool) -> Option<DuplicateGuard> {
    if endpoint != super::plan::endpoint::WECOM_MESSAGE_SEND {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    if json.get("enable_duplicate_check").and_then(serde_json::Value::as_u64) != Some(1) {
        return None;
    }
    let interval = json.get("duplicate_check_interval").and_then(serde_json::Value::as_i64).unwrap_or(1800);
    let key = hex::encode(Sha256::digest(body));
    Some(DuplicateGuard { key, window_ms: interval.saturating_mul(1000), suppress })
}

/// `body` without `enable_duplicate_check` and `duplicate_check_interval`: WeCom delivers it
/// whatever it sent before (and a resend after an ambiguous failure is then not safe). `None`
/// when the body is not a JSON object.
pub(crate) fn without_duplicate_check(body: &[u8]) -> Option<Vec<u8>> {
    let mut json: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    json.remove("enable_duplicate_check");
    json.remove("duplicate_check_interval");
    serde_json::to_vec(&json).ok()
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    #[test]
    fn only_checked_message_sends_are_guarded_and_the_check_can_be_dropped() {
        let body = br#"{"touser":"carol","msgtype":"text","agentid":1,"text":{"content":"CPU high"},"enable_duplicate_check":1,"duplicate_check_interval":600}"#;
        let guard = duplicate_guard(super::super::plan::endpoint::WECOM_MESSAGE_SEND, body, true).expect("guarded");
        assert_eq!((guard.window_ms, guard.suppress, guard.key.len()), (600_000, true, 64));
        let other = duplicate_guard(super::super::plan::endpoint::WECOM_MESSAGE_SEND, &body[..body.len() - 1], false);
        assert!(other.is_none(), "not JSON");
        assert!(duplicate_guard(super::super::plan::endpoint::WECOM_APPCHAT_SEND, body, false).is_none());
        let plain = without_duplicate_check(body).expect("an object");
        let plain: serde_json::Value = serde_json::from_slice(&plain).expect("json");
        assert!(plain.get("enable_duplicate_check").is_none() && plain.get("duplicate_check_interval").is_none());
        assert_eq!(plain["text"]["content"], "CPU high");
        assert!(
            duplicate_guard(super::super::plan::endpoint::WECOM_MESSAGE_SEND, plain.to_string().as_bytes(), false)
                .is_none()
        );
    }
}
