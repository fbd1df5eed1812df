//! Planning a request for a `feishu_bot` channel: one hook call to the bot's group.
//!
//! | content | Feishu message |
//! |---|---|
//! | `text` | `text`; `to.mentions` (open_ids, `@all`) become `<at user_id="…"></at>` at its end |
//! | `markdown` | `interactive`: a card of one `lark_md` block; mentions as `<at id=…></at>` |
//! | `image` | `image` with `media_id` as the `image_key` (a custom bot cannot upload) |
//! | `card` | `interactive`: a header, the description, and one link button (`button_text`, default 详情) |
//! | `news` | `post` (`zh_cn`): one paragraph per article, its title a link |
//! | `feishu` | the raw body, any of the five types (`share_chat` only this way) |
//!
//! With `keywords` configured, every text of the message must hold one of them (422 naming the
//! field), since Feishu would refuse it (19024); an image or a shared chat has no text.

use serde_json::{Map, Value, json};
use yizhan_feishu::message::{Post, PostTag};
use yizhan_feishu::{FeishuClient, Message};

use crate::config::FeishuBotConfig;
use crate::gateway::plan::{invalid, reject_recipients, unsupported_content};
use crate::gateway::{ApiError, Content, MessageRequest, PlannedDispatch};
use crate::providers::endpoint;
use crate::providers::group_bot::check_keywords;

const CONTENT: &str = "text, markdown, image, card, news or feishu";
/// The button text of a `card` without one.
const DEFAULT_BUTTON: &str = "详情";

/// The one dispatch of a `feishu_bot` message: the hook call to the bot's group.
pub fn dispatches(request: &MessageRequest, bot: &FeishuBotConfig) -> Result<Vec<PlannedDispatch>, ApiError> {
    reject_recipients(request, &bot.name, "feishu_bot", &["mentions"])?;
    let mentions = &request.to.mentions;
    if !mentions.is_empty() && !matches!(request.content, Content::Text(_) | Content::Markdown(_)) {
        let problem = "mentions go with text or markdown content (a raw feishu body writes its own <at>)";
        return Err(ApiError::validation("to.mentions", problem));
    }
    if let Some(i) = mentions.iter().position(|m| m.trim().is_empty() || m.contains(['"', '<', '>', ' '])) {
        return Err(ApiError::validation(format!("to.mentions[{i}]"), "must be an open_id (ou_…) or @all"));
    }
    let message = match &request.content {
        Content::Text(text) => {
            let marks: String = mentions.iter().map(|m| format!(" <at user_id=\"{}\"></at>", id(m))).collect();
            Message::text(format!("{text}{marks}"))
        }
        Content::Markdown(markdown) => {
            let marks: String = mentions.iter().map(|m| format!(" <at id={}></at>", id(m))).collect();
            card(None, &format!("{markdown}{marks}"), None)
        }
        Content::Image(media) => match (&media.media_id, &media.url) {
            (Some(key), None) => Message::image(key.clone()),
            _ => {
                let problem = "give media_id: the image_key of an image uploaded through a Feishu app";
                return Err(ApiError::validation("content.image.media_id", problem));
            }
        },
        Content::Card(c) => {
            let button = c.button_text.clone().unwrap_or_else(|| DEFAULT_BUTTON.to_owned());
            card(Some(&c.title), &c.description, Some((&button, &c.url)))
        }
        Content::News(news) => {
            let paragraphs = news
                .articles
                .iter()
                .map(|a| {
                    let mut line = vec![PostTag::A { text: a.title.clone(), href: a.url.clone() }];
                    if let Some(description) = &a.description {
                        line.push(PostTag::Text { text: format!(" {description}"), un_escape: None });
                    }
                    line
                })
                .collect();
            let title = (news.articles.len() == 1).then(|| news.articles[0].title.clone());
            Message::post("zh_cn", Post { title, content: paragraphs })
        }
        Content::Feishu(message) => message.clone(),
        other => return Err(unsupported_content(other, &bot.name, "feishu_bot", CONTENT)),
    };
    check_keywords(message.texts(), &bot.keywords, request)?;
    let body = FeishuClient::prepare(&message).map_err(|e| match e {
        yizhan_feishu::Error::Invalid(e) => invalid(&e.field, &e.problem, request),
        other @ yizhan_feishu::Error::Send(_) => {
            ApiError::internal(format!("cannot prepare the Feishu request: {other}"))
        }
    })?;
    Ok(vec![PlannedDispatch {
        endpoint: endpoint::FEISHU_BOT_HOOK,
        body: body.to_vec(),
        dedupe_id: None,
        recipients: vec!["group".to_owned()],
        after: None,
    }])
}

/// The id of a mention: `all` for `@all`.
fn id(mention: &str) -> &str {
    if mention == "@all" { "all" } else { mention }
}

/// An `interactive` message: an optional header, one `lark_md` block, an optional link button.
fn card(title: Option<&str>, markdown: &str, button: Option<(&str, &str)>) -> Message {
    let mut elements = vec![json!({"tag": "div", "text": {"tag": "lark_md", "content": markdown}})];
    if let Some((text, url)) = button {
        elements.push(json!({"tag": "action", "actions": [
            {"tag": "button", "text": {"tag": "plain_text", "content": text}, "url": url, "type": "primary"}
        ]}));
    }
    let mut card = Map::new();
    card.insert("config".to_owned(), json!({"wide_screen_mode": true}));
    if let Some(title) = title {
        card.insert("header".to_owned(), json!({"title": {"tag": "plain_text", "content": title}}));
    }
    card.insert("elements".to_owned(), Value::Array(elements));
    Message::interactive(card)
}
