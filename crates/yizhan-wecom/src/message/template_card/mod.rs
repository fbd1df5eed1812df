//! `template_card` messages (WeCom docs: 发送应用消息, template cards): one [`TemplateCard`]
//! variant per `card_type`.
//!
//! | card_type | struct | required | `response_code` |
//! |---|---|---|---|
//! | `text_notice` | [`TextNotice`] | `card_action`; `main_title.title` or `sub_title_text` | with `action_menu` |
//! | `news_notice` | [`NewsNotice`] | `main_title.title`, `card_action`; `card_image` or `image_text_area` | with `action_menu` |
//! | `button_interaction` | [`ButtonInteraction`] | `task_id`, 1–6 `button_list` | always |
//! | `vote_interaction` | [`VoteInteraction`] | `task_id`, `checkbox`, `submit_button` | always |
//! | `multiple_interaction` | [`MultipleInteraction`] | `task_id`, 1–3 `select_list`, `submit_button` | always |
//!
//! Validation enforces required blocks, item counts, key and id sizes and uniqueness, and the
//! `task_id` syntax. The character counts WeCom gives for titles and descriptions are display
//! recommendations (the client truncates) and are deliberately not enforced.
//!
//! ```
//! use yizhan_wecom::message::Message;
//! use yizhan_wecom::message::template_card::{Button, ButtonInteraction};
//!
//! let card = ButtonInteraction::new("Approve leave?", "task-42", [
//!     Button::callback("Approve", "approve"),
//!     Button::callback("Reject", "reject"),
//! ]);
//! let message = Message::template_card(card);
//! assert!(message.validate().is_ok());
//! assert!(message.expects_response_code());
//! ```

mod blocks;
mod cards;
mod interaction;
mod kinds;
mod lists;
mod validate;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use blocks::{
    Action, ActionMenu, CardAction, CardImage, EmphasisContent, ImageTextArea, MainTitle, QuoteArea, Source,
};
pub use cards::{ButtonInteraction, MultipleInteraction, NewsNotice, TextNotice, VoteInteraction};
pub use interaction::{Button, ButtonSelection, Checkbox, CheckboxOption, SelectList, SelectOption, SubmitButton};
pub use kinds::{ButtonType, CheckboxMode, DescColor, HorizontalType, LinkType};
pub use lists::{HorizontalContent, Jump, VerticalContent};

use crate::validate::ValidationError;

/// A template card, serialized as `"card_type": "<type>"` plus the card's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "card_type", rename_all = "snake_case")]
pub enum TemplateCard {
    /// `text_notice`
    TextNotice(TextNotice),
    /// `news_notice`
    NewsNotice(NewsNotice),
    /// `button_interaction`
    ButtonInteraction(ButtonInteraction),
    /// `vote_interaction`
    VoteInteraction(VoteInteraction),
    /// `multiple_interaction`
    MultipleInteraction(MultipleInteraction),
}

impl TemplateCard {
    /// The `card_type` string.
    pub fn card_type(&self) -> &'static str {
        match self {
            TemplateCard::TextNotice(_) => "text_notice",
            TemplateCard::NewsNotice(_) => "news_notice",
            TemplateCard::ButtonInteraction(_) => "button_interaction",
            TemplateCard::VoteInteraction(_) => "vote_interaction",
            TemplateCard::MultipleInteraction(_) => "multiple_interaction",
        }
    }

    /// The card's `task_id`, if set.
    pub fn task_id(&self) -> Option<&str> {
        match self {
            TemplateCard::TextNotice(c) => c.task_id.as_deref(),
            TemplateCard::NewsNotice(c) => c.task_id.as_deref(),
            TemplateCard::ButtonInteraction(c) => c.task_id.as_deref(),
            TemplateCard::VoteInteraction(c) => c.task_id.as_deref(),
            TemplateCard::MultipleInteraction(c) => c.task_id.as_deref(),
        }
    }

    /// True when WeCom returns a `response_code`: interaction cards, and notices with an `action_menu`.
    pub fn expects_response_code(&self) -> bool {
        match self {
            TemplateCard::TextNotice(c) => c.action_menu.is_some(),
            TemplateCard::NewsNotice(c) => c.action_menu.is_some(),
            TemplateCard::ButtonInteraction(_)
            | TemplateCard::VoteInteraction(_)
            | TemplateCard::MultipleInteraction(_) => true,
        }
    }

    /// Checks required blocks and hard limits; errors name paths under `template_card`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            TemplateCard::TextNotice(c) => validate::text_notice(c),
            TemplateCard::NewsNotice(c) => validate::news_notice(c),
            TemplateCard::ButtonInteraction(c) => validate::button_interaction(c),
            TemplateCard::VoteInteraction(c) => validate::vote_interaction(c),
            TemplateCard::MultipleInteraction(c) => validate::multiple_interaction(c),
        }
    }
}

macro_rules! into_card {
    ($($card:ident),+) => {$(
        impl From<$card> for TemplateCard {
            fn from(card: $card) -> Self {
                TemplateCard::$card(card)
            }
        }
    )+};
}

into_card!(TextNotice, NewsNotice, ButtonInteraction, VoteInteraction, MultipleInteraction);
