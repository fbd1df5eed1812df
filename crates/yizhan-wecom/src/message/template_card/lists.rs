//! List blocks: `horizontal_content_list` (key/value lines), `jump_list` (links) and
//! `vertical_content_list` (title/description pairs). Their character counts in the WeCom docs are
//! display recommendations and are not validated; the item counts are.

use serde::{Deserialize, Serialize};

use super::kinds::{HorizontalType, LinkType};

/// One `horizontal_content_list[]` line (at most 6): `keyname: value`, where the value may be a
/// link, an attachment or a member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HorizontalContent {
    /// What the value is; omitted means plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<HorizontalType>,
    /// Required label (≤5 characters recommended).
    pub keyname: String,
    /// The value (≤30 characters recommended); the file name for attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Link, required when `type` is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Attachment media id, required when `type` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Member user id, required when `type` is 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
}

impl HorizontalContent {
    /// A plain-text line.
    pub fn text(keyname: impl Into<String>, value: impl Into<String>) -> Self {
        HorizontalContent { keyname: keyname.into(), value: Some(value.into()), ..Default::default() }
    }

    /// A line whose `value` links to `url`.
    pub fn url(keyname: impl Into<String>, value: impl Into<String>, url: impl Into<String>) -> Self {
        HorizontalContent {
            r#type: Some(HorizontalType::Url),
            url: Some(url.into()),
            ..HorizontalContent::text(keyname, value)
        }
    }

    /// A line offering attachment `media_id`, shown as `file_name`.
    pub fn attachment(keyname: impl Into<String>, file_name: impl Into<String>, media_id: impl Into<String>) -> Self {
        HorizontalContent {
            r#type: Some(HorizontalType::Attachment),
            media_id: Some(media_id.into()),
            ..HorizontalContent::text(keyname, file_name)
        }
    }

    /// A line whose `value` opens the profile of member `userid`.
    pub fn member(keyname: impl Into<String>, value: impl Into<String>, userid: impl Into<String>) -> Self {
        HorizontalContent {
            r#type: Some(HorizontalType::Member),
            userid: Some(userid.into()),
            ..HorizontalContent::text(keyname, value)
        }
    }
}

/// One `jump_list[]` link (at most 3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jump {
    /// What a click opens; omitted means not clickable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<LinkType>,
    /// Required link text (≤18 characters recommended).
    pub title: String,
    /// Link, required when `type` is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Mini-program, required when `type` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Mini-program page, when `type` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
}

impl Jump {
    /// A link `title` to `url`.
    pub fn url(title: impl Into<String>, url: impl Into<String>) -> Self {
        Jump { r#type: Some(LinkType::Url), title: title.into(), url: Some(url.into()), ..Default::default() }
    }

    /// A link `title` to page `pagepath` of mini-program `appid`.
    pub fn miniprogram(title: impl Into<String>, appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        Jump {
            r#type: Some(LinkType::Miniprogram),
            title: title.into(),
            appid: Some(appid.into()),
            pagepath: Some(pagepath.into()),
            ..Default::default()
        }
    }
}

/// One `vertical_content_list[]` entry (news_notice, at most 4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerticalContent {
    /// Required title (≤38 characters recommended).
    pub title: String,
    /// Description (≤160 characters recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

impl VerticalContent {
    /// An entry with `title` and `desc`.
    pub fn new(title: impl Into<String>, desc: impl Into<String>) -> Self {
        VerticalContent { title: title.into(), desc: Some(desc.into()) }
    }
}
