//! The five app-message card types, one struct each, with their fields in WeCom's order.
//! Required blocks are `Option` or `Vec` here so that incomplete cards still decode;
//! [`TemplateCard::validate`](super::TemplateCard::validate) reports what is missing.

use serde::{Deserialize, Serialize};

use super::blocks::{ActionMenu, CardAction, CardImage, EmphasisContent, ImageTextArea, MainTitle, QuoteArea, Source};
use super::interaction::{Button, ButtonSelection, Checkbox, SelectList, SubmitButton};
use super::lists::{HorizontalContent, Jump, VerticalContent};

/// `text_notice`: a text card. Needs `card_action` and at least one of `main_title.title` and
/// `sub_title_text`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextNotice {
    /// Source line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Top-right menu; requires `task_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_menu: Option<ActionMenu>,
    /// Task id, required with `action_menu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_title: Option<MainTitle>,
    /// Emphasised key figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emphasis_content: Option<EmphasisContent>,
    /// Quote block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_area: Option<QuoteArea>,
    /// Secondary text (≤160 characters recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_title_text: Option<String>,
    /// At most 6 key/value lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub horizontal_content_list: Vec<HorizontalContent>,
    /// At most 3 links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jump_list: Vec<Jump>,
    /// Required click target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_action: Option<CardAction>,
}

impl TextNotice {
    /// A card titled `title` that opens `card_action`.
    pub fn new(title: impl Into<String>, card_action: CardAction) -> Self {
        TextNotice { main_title: Some(MainTitle::new(title)), card_action: Some(card_action), ..Default::default() }
    }
}

/// `news_notice`: an image card. Needs `main_title.title`, `card_action`, and `card_image` or
/// `image_text_area`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewsNotice {
    /// Source line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Top-right menu; requires `task_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_menu: Option<ActionMenu>,
    /// Task id, required with `action_menu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Required title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_title: Option<MainTitle>,
    /// Quote block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_area: Option<QuoteArea>,
    /// Picture with text; this or `card_image` is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_text_area: Option<ImageTextArea>,
    /// Large picture; this or `image_text_area` is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_image: Option<CardImage>,
    /// At most 4 title/description pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vertical_content_list: Vec<VerticalContent>,
    /// At most 6 key/value lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub horizontal_content_list: Vec<HorizontalContent>,
    /// At most 3 links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jump_list: Vec<Jump>,
    /// Required click target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_action: Option<CardAction>,
}

impl NewsNotice {
    /// A card titled `title` showing `card_image` that opens `card_action`.
    pub fn new(title: impl Into<String>, card_image: CardImage, card_action: CardAction) -> Self {
        NewsNotice {
            main_title: Some(MainTitle::new(title)),
            card_image: Some(card_image),
            card_action: Some(card_action),
            ..Default::default()
        }
    }
}

/// `button_interaction`: a card with 1–6 buttons and an optional drop-down. Needs `task_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonInteraction {
    /// Source line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Top-right menu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_menu: Option<ActionMenu>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_title: Option<MainTitle>,
    /// Quote block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_area: Option<QuoteArea>,
    /// Secondary text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_title_text: Option<String>,
    /// At most 6 key/value lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub horizontal_content_list: Vec<HorizontalContent>,
    /// Optional click target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_action: Option<CardAction>,
    /// Required task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Drop-down shown above the buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_selection: Option<ButtonSelection>,
    /// 1–6 buttons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub button_list: Vec<Button>,
    /// Update only (`update_template_card`, or a passive reply): the buttons are shown as one
    /// grey, non-clickable button with this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_text: Option<String>,
}

impl ButtonInteraction {
    /// A card titled `title` for task `task_id` with `buttons`.
    pub fn new(
        title: impl Into<String>,
        task_id: impl Into<String>,
        buttons: impl IntoIterator<Item = Button>,
    ) -> Self {
        ButtonInteraction {
            main_title: Some(MainTitle::new(title)),
            task_id: Some(task_id.into()),
            button_list: buttons.into_iter().collect(),
            ..Default::default()
        }
    }
}

/// `vote_interaction`: a single- or multiple-choice vote. Needs `task_id`, `checkbox` and
/// `submit_button`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteInteraction {
    /// Source line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_title: Option<MainTitle>,
    /// Required task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Required question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkbox: Option<Checkbox>,
    /// Required submit button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_button: Option<SubmitButton>,
}

impl VoteInteraction {
    /// A vote titled `title` for task `task_id`.
    pub fn new(
        title: impl Into<String>,
        task_id: impl Into<String>,
        checkbox: Checkbox,
        submit_button: SubmitButton,
    ) -> Self {
        VoteInteraction {
            source: None,
            main_title: Some(MainTitle::new(title)),
            task_id: Some(task_id.into()),
            checkbox: Some(checkbox),
            submit_button: Some(submit_button),
        }
    }
}

/// `multiple_interaction`: 1–3 drop-downs and a submit button. Needs `task_id`, `select_list`
/// and `submit_button`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultipleInteraction {
    /// Source line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_title: Option<MainTitle>,
    /// Required task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// 1–3 drop-downs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub select_list: Vec<SelectList>,
    /// Required submit button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_button: Option<SubmitButton>,
}

impl MultipleInteraction {
    /// A form titled `title` for task `task_id`.
    pub fn new(
        title: impl Into<String>,
        task_id: impl Into<String>,
        select_list: impl IntoIterator<Item = SelectList>,
        submit_button: SubmitButton,
    ) -> Self {
        MultipleInteraction {
            source: None,
            main_title: Some(MainTitle::new(title)),
            task_id: Some(task_id.into()),
            select_list: select_list.into_iter().collect(),
            submit_button: Some(submit_button),
        }
    }
}
