//! `miniprogram_notice`: a notice that opens a page of the mini-program linked to the application.

use serde::{Deserialize, Serialize};

use super::check::{at, item};
use super::limits;
use crate::validate::{self, ValidationError};

/// `miniprogram_notice`.
///
/// WeCom asks for `title` and `description` of 4–12 汉字; that is a display rule, not checked here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiniprogramNotice {
    /// Required: the mini-program linked to the application.
    pub appid: String,
    /// A page of that mini-program; without it the notice is not clickable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Required.
    pub title: String,
    /// Shown under the title, typically a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Emphasise (enlarge) the first content item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emphasis_first_item: Option<bool>,
    /// At most [`limits::MAX_CONTENT_ITEMS`] key/value lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_item: Vec<ContentItem>,
}

/// One key/value line of a [`MiniprogramNotice`]. WeCom ignores an item with both parts empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentItem {
    /// At most [`limits::CONTENT_ITEM_KEY_CHARS`] characters.
    pub key: String,
    /// At most [`limits::CONTENT_ITEM_VALUE_CHARS`] characters.
    pub value: String,
}

impl ContentItem {
    /// A line `key: value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        ContentItem { key: key.into(), value: value.into() }
    }
}

impl MiniprogramNotice {
    /// A notice with the required fields only.
    pub fn new(appid: impl Into<String>, title: impl Into<String>) -> Self {
        MiniprogramNotice {
            appid: appid.into(),
            page: None,
            title: title.into(),
            description: None,
            emphasis_first_item: None,
            content_item: Vec::new(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        const ROOT: &str = "miniprogram_notice";
        validate::required(&at(ROOT, "appid"), &self.appid)?;
        validate::required(&at(ROOT, "title"), &self.title)?;
        validate::count(&at(ROOT, "content_item"), self.content_item.len(), 0, limits::MAX_CONTENT_ITEMS)?;
        self.content_item.iter().enumerate().try_for_each(|(i, c)| {
            let path = item(ROOT, "content_item", i);
            validate::max_chars(&at(&path, "key"), &c.key, limits::CONTENT_ITEM_KEY_CHARS)?;
            validate::max_chars(&at(&path, "value"), &c.value, limits::CONTENT_ITEM_VALUE_CHARS)
        })
    }
}
