//! Blocks shared by several card types: source, action menu, titles, quote, links and images.
//!
//! The character counts WeCom gives for these blocks (e.g. `main_title.title` ≤36 characters,
//! `sub_title_text` ≤160) are display recommendations — the client truncates — and are
//! deliberately not validated.

use serde::{Deserialize, Serialize};

use super::kinds::{DescColor, LinkType};

/// `source`: icon and text on the card's first line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Icon link (72×72 recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Source text (≤20 characters recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Colour of `desc`; WeCom's default is grey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc_color: Option<DescColor>,
}

/// `action_menu`: the "…" menu at the top right. A click sends `template_card_menu_event`.
/// Setting it makes `task_id` required and makes WeCom return a `response_code`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionMenu {
    /// Description shown above the menu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// 1–3 items with unique keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action_list: Vec<Action>,
}

impl ActionMenu {
    /// A menu described by `desc` with `actions`.
    pub fn new(desc: impl Into<String>, actions: impl IntoIterator<Item = Action>) -> Self {
        ActionMenu { desc: Some(desc.into()), action_list: actions.into_iter().collect() }
    }
}

/// One `action_menu.action_list[]` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Required item text.
    pub text: String,
    /// Required callback key, unique within the menu, at most 1024 bytes.
    pub key: String,
}

impl Action {
    /// An item `text` that calls back with `key`.
    pub fn new(text: impl Into<String>, key: impl Into<String>) -> Self {
        Action { text: text.into(), key: key.into() }
    }
}

/// `main_title`: the card's title and its subtitle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MainTitle {
    /// Title (≤36 characters recommended; ≤26 on webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Auxiliary text (≤44 characters recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

impl MainTitle {
    /// A title without subtitle.
    pub fn new(title: impl Into<String>) -> Self {
        MainTitle { title: Some(title.into()), desc: None }
    }
}

/// `emphasis_content` (text_notice): a big number or keyword with a caption.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmphasisContent {
    /// The emphasised text (≤14 characters recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The caption (≤22 characters recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

/// `quote_area`: a quoted block, optionally clickable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteArea {
    /// What a click opens; omitted means not clickable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<LinkType>,
    /// Link, required when `type` is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Mini-program, required when `type` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Mini-program page, when `type` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
    /// Quote title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Quoted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_text: Option<String>,
}

/// `card_action`: what a click on the card opens. Required for text_notice and news_notice,
/// where `type` must be 1 (url) or 2 (mini-program).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardAction {
    /// Link kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<LinkType>,
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

impl CardAction {
    /// Open `url`.
    pub fn url(url: impl Into<String>) -> Self {
        CardAction { r#type: Some(LinkType::Url), url: Some(url.into()), ..Default::default() }
    }

    /// Open page `pagepath` of mini-program `appid`.
    pub fn miniprogram(appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        CardAction {
            r#type: Some(LinkType::Miniprogram),
            appid: Some(appid.into()),
            pagepath: Some(pagepath.into()),
            ..Default::default()
        }
    }
}

/// `card_image` (news_notice): a large picture. A news_notice needs this or `image_text_area`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardImage {
    /// Required picture link.
    pub url: String,
    /// Width / height, from 1.3 (WeCom's default) to 2.25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<f64>,
}

impl CardImage {
    /// A picture with WeCom's default aspect ratio.
    pub fn new(url: impl Into<String>) -> Self {
        CardImage { url: url.into(), aspect_ratio: None }
    }
}

/// `image_text_area` (news_notice): a picture on the left with text, optionally clickable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageTextArea {
    /// What a click opens; omitted means not clickable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<LinkType>,
    /// Link, required when `type` is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Mini-program, required when `type` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Mini-program page, when `type` is 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Required picture link.
    pub image_url: String,
}

impl ImageTextArea {
    /// An area showing `image_url`, without text or link.
    pub fn new(image_url: impl Into<String>) -> Self {
        ImageTextArea { image_url: image_url.into(), ..Default::default() }
    }
}
