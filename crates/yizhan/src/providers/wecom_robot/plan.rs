//! Planning a request for a `wecom_robot` channel: one `webhook/send` to the robot's group.

use yizhan_wecom::robot::{RobotArticle, RobotText};
use yizhan_wecom::{RobotClient, RobotMessage};

use crate::gateway::plan::{reject_recipients, unsupported_content};
use crate::gateway::{ApiError, Content, MessageRequest, PlannedDispatch};
use crate::providers::endpoint;
use crate::providers::wecom::{media_id, wecom_error};

const ROBOT_CONTENT: &str = "text, markdown, file, news or wecom_robot";

/// The one dispatch of a `wecom_robot` message: `webhook/send` to the robot's group.
pub fn dispatches(request: &MessageRequest, channel: &str) -> Result<Vec<PlannedDispatch>, ApiError> {
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
