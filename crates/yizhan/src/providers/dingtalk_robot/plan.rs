//! Planning a request for a `dingtalk_robot` channel: one `robot/send` to the robot's group.
//!
//! | content | DingTalk message |
//! |---|---|
//! | `text` | `text`, with `at` from `to.mentions` (user ids, `@all`) and `to.mention_mobiles` |
//! | `markdown` | `markdown`: the title is the first line without its `#`/`>` marks; mentions as for text |
//! | `card` | `actionCard` with one button (`button_text`, default 详情) |
//! | `news` | one article: `link`; several: `feedCard` (every article needs `picurl`) |
//! | `dingtalk` | the raw body, any of the five types |
//!
//! DingTalk highlights a mention only when the text also holds `@<mobile>` or `@<userId>`, so a
//! mark missing from the text is appended to it. With `keywords` configured, every text field
//! must hold one of them (422 naming the field), since DingTalk would refuse it (310000).

use yizhan_dingtalk::message::{At, Buttons, FeedLink};
use yizhan_dingtalk::{DingtalkClient, Message};

use crate::config::DingtalkRobotConfig;
use crate::gateway::plan::{invalid, reject_recipients, unsupported_content};
use crate::gateway::{ApiError, Content, MessageRequest, PlannedDispatch};
use crate::providers::endpoint;
use crate::providers::group_bot::check_keywords;

const CONTENT: &str = "text, markdown, card, news or dingtalk";
/// The button text of a `card` without one.
const DEFAULT_BUTTON: &str = "详情";
/// The longest markdown title taken from the first line, in characters.
const TITLE_CHARS: usize = 64;

/// The one dispatch of a `dingtalk_robot` message: `robot/send` to the robot's group.
pub fn dispatches(request: &MessageRequest, bot: &DingtalkRobotConfig) -> Result<Vec<PlannedDispatch>, ApiError> {
    reject_recipients(request, &bot.name, "dingtalk_robot", &["mentions", "mention_mobiles"])?;
    let at = mentions(request);
    if !at.is_empty() && !matches!(request.content, Content::Text(_) | Content::Markdown(_)) {
        let field = if request.to.mentions.is_empty() { "to.mention_mobiles" } else { "to.mentions" };
        let problem = "mentions go with text or markdown content (a raw dingtalk body carries its own at)";
        return Err(ApiError::validation(field, problem));
    }
    let message = match &request.content {
        Content::Text(text) => Message::text(with_marks(text, &at)).with_at(at),
        Content::Markdown(markdown) => {
            let text = with_marks(markdown, &at);
            Message::markdown(title(&text), text).with_at(at)
        }
        Content::Card(card) => {
            let button = card.button_text.clone().unwrap_or_else(|| DEFAULT_BUTTON.to_owned());
            Message::action_card(
                card.title.clone(),
                card.description.clone(),
                Buttons::Single(button, card.url.clone()),
            )
        }
        Content::News(news) => match news.articles.as_slice() {
            [one] => {
                let mut message = Message::link(
                    one.title.clone(),
                    one.description.clone().unwrap_or_else(|| one.title.clone()),
                    one.url.clone(),
                );
                if let yizhan_dingtalk::message::Body::Link { link } = &mut message.body {
                    link.pic_url.clone_from(&one.picurl);
                }
                message
            }
            several => {
                let mut links = Vec::with_capacity(several.len());
                for (i, a) in several.iter().enumerate() {
                    let Some(pic) = &a.picurl else {
                        let field = format!("content.news.articles[{i}].picurl");
                        return Err(ApiError::validation(
                            field,
                            "is required: a DingTalk feedCard shows a picture per link",
                        ));
                    };
                    links.push(FeedLink { title: a.title.clone(), message_url: a.url.clone(), pic_url: pic.clone() });
                }
                Message::feed_card(links)
            }
        },
        Content::Dingtalk(message) => message.clone(),
        other => return Err(unsupported_content(other, &bot.name, "dingtalk_robot", CONTENT)),
    };
    check_keywords(message.texts(), &bot.keywords, request)?;
    let body = DingtalkClient::prepare(&message).map_err(|e| match e {
        yizhan_dingtalk::Error::Invalid(e) => invalid(&e.field, &e.problem, request),
        other @ yizhan_dingtalk::Error::Send(_) => {
            ApiError::internal(format!("cannot prepare the DingTalk request: {other}"))
        }
    })?;
    Ok(vec![PlannedDispatch {
        endpoint: endpoint::DINGTALK_ROBOT_SEND,
        body: body.to_vec(),
        dedupe_id: None,
        recipients: vec!["group".to_owned()],
        after: None,
    }])
}

/// The `at` of the request's mentions: user ids (`@all` is everyone) and mobiles.
fn mentions(request: &MessageRequest) -> At {
    let to = &request.to;
    At {
        at_mobiles: to.mention_mobiles.clone(),
        at_user_ids: to.mentions.iter().filter(|m| *m != "@all").cloned().collect(),
        is_at_all: to.mentions.iter().any(|m| m == "@all"),
    }
}

/// `text` with every `@<id>` mark of `at` it lacks appended, so DingTalk highlights it.
fn with_marks(text: &str, at: &At) -> String {
    let missing: Vec<String> = at.marks().filter(|mark| !text.contains(mark.as_str())).collect();
    if missing.is_empty() { text.to_owned() } else { format!("{text}\n\n{}", missing.join(" ")) }
}

/// A markdown message's notification line: its first non-empty line without heading, quote or
/// list marks, at most [`TITLE_CHARS`] characters.
fn title(markdown: &str) -> String {
    let line = markdown.lines().map(|l| l.trim_start_matches(['#', '>', '-', '*', ' ']).trim()).find(|l| !l.is_empty());
    line.unwrap_or("message").chars().take(TITLE_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_appended_once_and_titles_lose_their_marks() {
        let at = At { at_mobiles: vec!["138".into()], at_user_ids: vec!["u1".into()], is_at_all: true };
        assert_eq!(with_marks("hi @138", &at), "hi @138\n\n@u1");
        assert_eq!(with_marks("hi", &At::all()), "hi");
        assert_eq!(title("\n### CPU high\nbody"), "CPU high");
        assert_eq!(title("> quoted"), "quoted");
        assert_eq!(title(&"字".repeat(100)).chars().count(), TITLE_CHARS);
    }
}
