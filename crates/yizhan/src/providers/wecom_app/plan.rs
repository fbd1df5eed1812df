//! Planning a request for a `wecom_app` channel: `message/send` per 1000 users, or
//! `appchat/send` to one group chat.
//!
//! Duplicate check (docs/gateway.md, "Repeated messages"): a `wecom_app` channel sends with
//! `enable_duplicate_check=1` (unless the channel turns it off) and `duplicate_check_interval` =
//! `options.duplicate_check_interval`, else the channel's setting, else
//! [`GATEWAY_DUPLICATE_CHECK_INTERVAL`] (14400 s, the default retry horizon). See
//! [`super::dedupe`] for the guard that keeps the check from dropping another message's send.

use yizhan_wecom::message::{Message, News, NewsArticle, TextCard};
use yizhan_wecom::recipients::{ALL_USERS, MAX_USERS};
use yizhan_wecom::{Recipients, SendRequest, WecomClient};

use crate::config::WecomAppConfig;
use crate::gateway::plan::{reject_recipients, unsupported_content};
use crate::gateway::{ApiError, Content, MessageRequest, PlannedDispatch, Planning};
use crate::providers::wecom::{media_id, to_json, wecom_error};
use crate::providers::{Recipient, endpoint};

/// The gateway's default `duplicate_check_interval`: WeCom's maximum, 4 h, as long as the
/// default retry horizon, so every resend of a message stays inside its own window.
pub const GATEWAY_DUPLICATE_CHECK_INTERVAL: u32 = yizhan_wecom::api::message_send::MAX_DUPLICATE_CHECK_INTERVAL;

const APP_RECIPIENTS: &[&str] = &["users", "parties", "tags", "all", "chatid"];
const APP_CONTENT: &str = "text, markdown, image, file, news, card or wecom";

/// The dispatches of a `wecom_app` message: `message/send` per 1000 users, or `appchat/send`.
pub fn dispatches(
    request: &MessageRequest,
    app: &WecomAppConfig,
    planning: Planning,
) -> Result<Vec<PlannedDispatch>, ApiError> {
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
        body.validate().map_err(|e| crate::gateway::plan::invalid(&e.field, &e.problem, request))?;
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
            None if planning == Planning::Gateway => {
                super::client::apply_duplicate_check(app, &mut send, GATEWAY_DUPLICATE_CHECK_INTERVAL);
            }
            None => {}
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
