//! Interactive blocks: `button_selection`, `button_list`, `checkbox`, `select_list` and
//! `submit_button`. A user's choice comes back in a `template_card_event` callback carrying the
//! question keys and option ids set here.

use serde::{Deserialize, Serialize};

use super::kinds::{ButtonType, CheckboxMode};

/// One option of a `button_selection` or `select_list[]` question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    /// Required id, unique within the question, at most 128 bytes.
    pub id: String,
    /// Required text (≤16 characters recommended).
    pub text: String,
}

impl SelectOption {
    /// Option `id` shown as `text`.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        SelectOption { id: id.into(), text: text.into() }
    }
}

/// `button_selection` (button_interaction): a drop-down above the buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonSelection {
    /// Required question key, at most 1024 bytes.
    pub question_key: String,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// 1–10 options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub option_list: Vec<SelectOption>,
    /// The initially selected option id; WeCom's default is the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_id: Option<String>,
}

impl ButtonSelection {
    /// Question `question_key` with `options`.
    pub fn new(question_key: impl Into<String>, options: impl IntoIterator<Item = SelectOption>) -> Self {
        ButtonSelection {
            question_key: question_key.into(),
            title: None,
            option_list: options.into_iter().collect(),
            selected_id: None,
        }
    }
}

/// One `button_list[]` button (button_interaction, 1–6 buttons).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// What a click does; omitted means a callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ButtonType>,
    /// Required text (≤10 characters recommended).
    pub text: String,
    /// Style 1–4; WeCom's default is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<u8>,
    /// Callback key, required for callback buttons, unique among the buttons, at most 1024 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Link, required when `type` is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Button {
    /// A button `text` that calls back with `key` (the `type` is left to WeCom's default, 0).
    pub fn callback(text: impl Into<String>, key: impl Into<String>) -> Self {
        Button { text: text.into(), key: Some(key.into()), ..Default::default() }
    }

    /// A button `text` that opens `url`.
    pub fn url(text: impl Into<String>, url: impl Into<String>) -> Self {
        Button { r#type: Some(ButtonType::Url), text: text.into(), url: Some(url.into()), ..Default::default() }
    }
}

/// `checkbox` (vote_interaction): the vote's question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkbox {
    /// Required question key, at most 1024 bytes.
    pub question_key: String,
    /// 1–20 options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub option_list: Vec<CheckboxOption>,
    /// Single or multiple choice; WeCom's default is single.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<CheckboxMode>,
}

impl Checkbox {
    /// Question `question_key` with `options`, in WeCom's default (single-choice) mode.
    pub fn new(question_key: impl Into<String>, options: impl IntoIterator<Item = CheckboxOption>) -> Self {
        Checkbox { question_key: question_key.into(), option_list: options.into_iter().collect(), mode: None }
    }
}

/// One `checkbox.option_list[]` option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckboxOption {
    /// Required id, unique within the question, at most 128 bytes.
    pub id: String,
    /// Required text (≤17 characters recommended).
    pub text: String,
    /// Whether the option starts checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_checked: Option<bool>,
}

impl CheckboxOption {
    /// Option `id` shown as `text`, with `is_checked` sent explicitly.
    pub fn new(id: impl Into<String>, text: impl Into<String>, is_checked: bool) -> Self {
        CheckboxOption { id: id.into(), text: text.into(), is_checked: Some(is_checked) }
    }
}

/// One `select_list[]` drop-down (multiple_interaction, 1–3 of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectList {
    /// Required question key, unique among the drop-downs, at most 1024 bytes.
    pub question_key: String,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The initially selected option id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_id: Option<String>,
    /// 1–10 options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub option_list: Vec<SelectOption>,
}

impl SelectList {
    /// Drop-down `question_key` with `options`.
    pub fn new(question_key: impl Into<String>, options: impl IntoIterator<Item = SelectOption>) -> Self {
        SelectList {
            question_key: question_key.into(),
            title: None,
            selected_id: None,
            option_list: options.into_iter().collect(),
        }
    }
}

/// `submit_button` (vote_interaction, multiple_interaction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitButton {
    /// Button text (≤10 characters recommended); WeCom's default is "提交".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Required callback key, at most 1024 bytes.
    pub key: String,
}

impl SubmitButton {
    /// A button with text `text` that calls back with `key`.
    pub fn new(text: impl Into<String>, key: impl Into<String>) -> Self {
        SubmitButton { text: Some(text.into()), key: key.into() }
    }
}
