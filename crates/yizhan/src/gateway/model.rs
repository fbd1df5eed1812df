//! The v1 API request types (`POST /v1/messages`), with serde and OpenAPI schemas.
//!
//! ```json
//! {"channel": "ops", "to": {"users": ["alice", "bob"]},
//!  "content": {"markdown": "**disk** full on `db-3`"},
//!  "options": {"send_at": "2026-11-23T09:00:00+08:00", "overflow": "split", "safe": false}}
//! ```
//!
//! Content is provider-neutral where it can be (`text`, `markdown`, `image`, `file`, `news`,
//! `card`) and provider-specific where it must be (`wecom`, `wecom_robot`, `getui`,
//! `dingtalk`, `feishu`). Which recipients and content each channel kind takes is checked by [`super::plan()`]. Unknown
//! fields are refused, so a typo is an error rather than a silently ignored option.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One message to send through one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// The configured channel's name.
    #[schema(example = "ops")]
    pub channel: String,
    /// Who receives it. Robots post to their group and take only `mentions`.
    #[serde(default)]
    pub to: To,
    /// What is sent.
    pub content: Content,
    /// Scheduling, dedupe and overflow options.
    #[serde(default)]
    pub options: Options,
}

/// Recipients. Which lists apply depends on the channel kind:
/// `wecom_app` takes `users`, `parties`, `tags`, `all` or `chatid`; `wecom_robot` and
/// `dingtalk_robot` take `mentions` and `mention_mobiles`; `feishu_bot` takes `mentions`
/// (open_ids, `@all`); `getui` takes exactly one of `cids`, `aliases`,
/// `tag_conditions` or `all`; `email` takes `emails`. Any channel takes `people`, resolved
/// to that channel's ids from the configuration's `[[people]]` when the message is accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct To {
    /// WeCom user ids (any number: sent in calls of at most 1000).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// WeCom department ids (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
    /// WeCom tag ids (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Everybody: WeCom `@all` (the application's visible range) or a Getui app push.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// A WeCom group chat created through `appchat/create`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chatid: Option<String>,
    /// Getui client ids: one is a single push, several a list push.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cids: Vec<String>,
    /// Getui aliases: one is a single push, several a list push.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Getui tag conditions (`/push/tag`): different keys are ANDed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_conditions: Vec<TagCondition>,
    /// Group robots: members mentioned by user id (`@all` for everybody); WeCom robot `text`
    /// content only, DingTalk robot `text` and `markdown`, Feishu bot `text` and `markdown`
    /// (open_ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// Group robots: members mentioned by mobile number; WeCom robot `text` content only,
    /// DingTalk robot `text` and `markdown`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mention_mobiles: Vec<String>,
    /// Email addresses (`email` channels): one message to each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// People by their `[[people]]` id: each gets the message under their id for the target
    /// channel's kind (docs/people.md); an unknown person, or one without an id for that kind,
    /// is refused with 422 naming them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<String>,
}

/// A Getui tag condition: users whose tag `key` matches `values` combined by `opt_type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagCondition {
    /// `phone_type`, `region`, `custom_tag`, … (Getui's condition keys).
    pub key: String,
    /// The values.
    pub values: Vec<String>,
    /// `or` (any value, the default), `and` (all) or `not` (none).
    #[serde(default)]
    pub opt_type: OptType,
}

/// How the values of a tag condition combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OptType {
    /// Any value matches.
    #[default]
    Or,
    /// All values must match.
    And,
    /// None of the values may match.
    Not,
}

impl OptType {
    /// The value as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OptType::Or => "or",
            OptType::And => "and",
            OptType::Not => "not",
        }
    }
}

/// The content, externally tagged: `{"text": "…"}`, `{"markdown": "…"}`, `{"wecom": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// Plain text (WeCom app and robot).
    Text(String),
    /// WeCom markdown (WeCom app and robot).
    Markdown(String),
    /// An image by `media_id` (WeCom app).
    Image(MediaRef),
    /// A file by `media_id` (WeCom app; robot with a webhook-uploaded `media_id`).
    File(MediaRef),
    /// Link articles (WeCom app and robot).
    News(News),
    /// A card with a title, a description and one link (WeCom app `textcard`).
    Card(Card),
    /// A raw WeCom `message/send` payload: `{"msgtype": "…", "<msgtype>": {…}}` (WeCom app).
    #[schema(value_type = Object)]
    Wecom(yizhan_wecom::Message),
    /// A raw WeCom robot `webhook/send` body: `{"msgtype": "…", "<msgtype>": {…}}` (robot).
    #[schema(value_type = Object)]
    WecomRobot(yizhan_wecom::RobotMessage),
    /// A raw DingTalk robot body: `{"msgtype": "…", "<msgtype>": {…}, "at": {…}}` (`text`,
    /// `markdown`, `link`, `actionCard`, `feedCard`; DingTalk robot).
    #[schema(value_type = Object)]
    Dingtalk(yizhan_dingtalk::Message),
    /// A raw Feishu/Lark bot body: `{"msg_type": "…", "content": {…}}`, or `"card"` for
    /// `interactive` (`text`, `post`, `image`, `share_chat`, `interactive`; Feishu bot).
    #[schema(value_type = Object)]
    Feishu(yizhan_feishu::Message),
    /// An email (`email` channel): a subject, text, markdown (sent as HTML with the markdown as
    /// the text alternative) or HTML, and attachments.
    Email(EmailContent),
    /// A Getui push: a notification or a transmission, with vendor channels and settings.
    // Boxed: it is much larger than the other variants.
    Getui(Box<GetuiContent>),
}

impl Content {
    /// The content's key in the JSON, e.g. `markdown`.
    pub fn key(&self) -> &'static str {
        match self {
            Content::Text(_) => "text",
            Content::Markdown(_) => "markdown",
            Content::Image(_) => "image",
            Content::File(_) => "file",
            Content::News(_) => "news",
            Content::Card(_) => "card",
            Content::Wecom(_) => "wecom",
            Content::WecomRobot(_) => "wecom_robot",
            Content::Getui(_) => "getui",
            Content::Dingtalk(_) => "dingtalk",
            Content::Feishu(_) => "feishu",
            Content::Email(_) => "email",
        }
    }
}

/// Media by a provider `media_id` or by a URL; give exactly one. URLs are not supported yet
/// (they need an upload when sending) and are refused with 422.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaRef {
    /// An id from WeCom `media/upload` (valid 3 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// An `https://` URL to fetch and upload when sending (not yet supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// 1–8 link articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct News {
    /// The articles.
    pub articles: Vec<Article>,
}

/// One link article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// The title (at most 128 bytes).
    pub title: String,
    /// The description (at most 512 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The link.
    pub url: String,
    /// A picture link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picurl: Option<String>,
}

/// A card: a title, a description and one link button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Card {
    /// The title (at most 128 bytes).
    pub title: String,
    /// The description (at most 512 bytes).
    pub description: String,
    /// The link the card opens.
    pub url: String,
    /// The button's text (at most 4 characters; WeCom's default is 详情).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_text: Option<String>,
}

/// A Getui push: exactly one of `notification` and `transmission`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GetuiContent {
    /// A notification shown by the Getui channel (`push_message.notification`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub notification: Option<yizhan_getui::push::Notification>,
    /// A transmission handed to the app (`push_message.transmission`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission: Option<String>,
    /// Vendor, APNs and Harmony content (`push_channel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub push_channel: Option<yizhan_getui::push::PushChannel>,
    /// Retention, strategy, throttling (`settings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub settings: Option<yizhan_getui::push::Settings>,
    /// Task group for reports (`group_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
}

/// An email: a subject and exactly one of `text`, `markdown` and `html` (`html` may come with
/// `text` as its alternative), with attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailContent {
    /// The subject (one line, at most 998 characters; UTF-8 is encoded for the header).
    pub subject: String,
    /// Plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Markdown (CommonMark, tables, strikethrough): sent as HTML with the markdown as the text
    /// alternative. Raw HTML in it is shown as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    /// HTML as given (with `text` as its alternative, if set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Files attached (the whole message at most 10 MiB).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<EmailAttachment>,
}

/// One attached file, inline in the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailAttachment {
    /// The file name shown (no path).
    pub filename: String,
    /// Its MIME type; default: guessed from the file name's extension, else
    /// `application/octet-stream`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The bytes, Base64 (standard alphabet, padded).
    pub content_base64: String,
}

/// Options. All are optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Send at this time (RFC 3339 with an offset); default now. A past time means now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, example = "2026-11-23T09:00:00+08:00")]
    pub send_at: Option<String>,
    /// Give up (status dead) if not sent by this time (RFC 3339 with an offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// WeCom app: `safe=1`, not shareable and watermarked (text, image, video, file, mpnews).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub safe: bool,
    /// Send at exactly `send_at`, without spreading sends scheduled on :00 or :30.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
    /// What to do with `text` or `markdown` over the provider's byte limit (WeCom app 2048,
    /// robot text 2048, robot markdown 4096): `split` (the default), `truncate` or `reject`.
    #[serde(default)]
    pub overflow: Overflow,
    /// Getui: the push `request_id` (10–32 of letters, digits, `_`, `-`); default random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// WeCom app: `duplicate_check_interval` in seconds, 1–14400; default the channel's, or 14400.
    /// How long WeCom remembers the request, so that a resend after a lost answer is not
    /// delivered twice (and, with `dedupe`, the window in which a repeat is suppressed).
    /// A whole number written as `600.0` is accepted too (JSON has one number type).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 14400)]
    pub duplicate_check_interval: Option<u32>,
    /// WeCom app: suppress this message if an identical one (same channel, recipients, content
    /// and options) went out within the duplicate-check interval; it then ends
    /// `suppressed_duplicate` instead of being sent. Default false: a repeat is delivered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dedupe: bool,
}

/// Handling of text longer than the provider's limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Overflow {
    /// Split at line, else character, boundaries into several messages numbered `(1/3) `, sent in order.
    #[default]
    Split,
    /// Cut at the limit, ending with `…`.
    Truncate,
    /// Refuse with 422.
    Reject,
}

impl Overflow {
    /// The value as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Overflow::Split => "split",
            Overflow::Truncate => "truncate",
            Overflow::Reject => "reject",
        }
    }
}

/// An optional `u32` given as any JSON number with no fractional part (`600` or `600.0`).
fn whole_number<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error as _;
    let Some(n) = Option::<serde_json::Number>::deserialize(de)? else { return Ok(None) };
    if let Some(v) = n.as_u64() {
        return u32::try_from(v).map(Some).map_err(|_| D::Error::custom(format_args!("{v} is out of range")));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
            // Exact: a whole number within u32's range.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(Some(f as u32))
        }
        _ => Err(D::Error::custom(format_args!("expected a whole number of seconds, got {n}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(v: serde_json::Value) -> Result<Option<u32>, serde_json::Error> {
        serde_json::from_value::<Options>(serde_json::json!({"duplicate_check_interval": v}))
            .map(|o| o.duplicate_check_interval)
    }

    #[test]
    fn the_interval_is_any_whole_number() {
        assert_eq!(interval(serde_json::json!(600)).unwrap(), Some(600));
        assert_eq!(interval(serde_json::json!(600.0)).unwrap(), Some(600));
        assert_eq!(interval(serde_json::Value::Null).unwrap(), None);
        assert!(interval(serde_json::json!(600.5)).is_err());
        assert!(interval(serde_json::json!(-1)).is_err());
        assert!(interval(serde_json::json!(5_000_000_000_u64)).is_err());
        assert!(interval(serde_json::json!("600")).is_err());
    }
}
