//! `POST /cgi-bin/message/update_template_card?access_token=TOKEN` — update a sent template
//! card with a single-use `response_code` (valid 72 h).
//!
//! Source: WeCom docs: 更新模版卡片消息. Mode A greys out the button with `button.replace_name`
//! (interaction cards); mode B replaces the whole card. Targets: `userids` (≤1000), `partyids`
//! (≤100), `tagids` (≤100), or `atall`.

use serde::{Deserialize, Serialize};

use crate::message::TemplateCard;
use crate::validate::{self, ValidationError};

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/message/update_template_card";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Post;

/// What the update does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CardUpdate {
    /// Grey out the clicked button with a text (`{"button":{"replace_name":"已处理"}}`).
    Button {
        /// The button change.
        button: ReplaceButton,
    },
    /// Replace the whole card.
    Card {
        /// The new card.
        template_card: Box<TemplateCard>,
    },
}

/// `button` of mode A.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceButton {
    /// The grey, non-clickable text shown instead of the button.
    pub replace_name: String,
}

/// The request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Users to update the card for (≤1000).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub userids: Vec<String>,
    /// Departments (≤100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partyids: Vec<i64>,
    /// Tags (≤100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tagids: Vec<i64>,
    /// 1 to update the card of every recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atall: Option<u8>,
    /// The application.
    pub agentid: i64,
    /// The single-use code from message/send or a click callback.
    pub response_code: String,
    /// 1 to translate ids in the new card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_id_trans: Option<u8>,
    /// The change.
    #[serde(flatten)]
    pub update: CardUpdate,
}

impl Request {
    /// Mode A for every recipient of the card.
    pub fn replace_button_for_all(
        agentid: i64,
        response_code: impl Into<String>,
        replace_name: impl Into<String>,
    ) -> Self {
        Request {
            userids: Vec::new(),
            partyids: Vec::new(),
            tagids: Vec::new(),
            atall: Some(1),
            agentid,
            response_code: response_code.into(),
            enable_id_trans: None,
            update: CardUpdate::Button { button: ReplaceButton { replace_name: replace_name.into() } },
        }
    }

    /// Checks the code, the targets and the update.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::required("response_code", &self.response_code)?;
        if self.atall != Some(1) && self.userids.is_empty() && self.partyids.is_empty() && self.tagids.is_empty() {
            return Err(ValidationError::new("userids", "no target: give userids, partyids, tagids or atall = 1"));
        }
        validate::count("userids", self.userids.len(), 0, 1000)?;
        validate::count("partyids", self.partyids.len(), 0, 100)?;
        validate::count("tagids", self.tagids.len(), 0, 100)?;
        match &self.update {
            CardUpdate::Button { button } => validate::required("button.replace_name", &button.replace_name),
            CardUpdate::Card { template_card } => template_card.validate(),
        }
    }
}

/// The answer carries only `errcode` and `errmsg` (3rd-party variants may add `invaliduser`).
pub type Response = super::Empty;
