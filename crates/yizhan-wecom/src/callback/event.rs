//! [`CallbackMessage`]: the decrypted XML of a pushed message or event, typed (WeCom docs:
//! 接收消息与事件).
//!
//! Text messages and the two template-card events are typed; every other message or event is
//! kept as [`CallbackMessage::Other`] with its raw XML, so nothing is lost. A known kind with a
//! missing or malformed required element is an error ([`CryptoError::ParseXml`]), never a panic.

use super::error::CryptoError;
use super::xml::{self, Element};

/// `Event` of a click on a template card button or submit button.
pub const TEMPLATE_CARD_EVENT: &str = "template_card_event";
/// `Event` of a click in a template card's `action_menu`.
pub const TEMPLATE_CARD_MENU_EVENT: &str = "template_card_menu_event";

/// A decrypted callback message or event.
///
/// ```
/// use yizhan_wecom::callback::CallbackMessage;
///
/// let xml = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[alice]]></FromUserName>\
///     <CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>\
///     <Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[approve]]></EventKey>\
///     <TaskId><![CDATA[task-42]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>\
///     <ResponseCode><![CDATA[rc]]></ResponseCode><AgentID>1000002</AgentID></xml>";
/// match CallbackMessage::parse(xml)? {
///     CallbackMessage::TemplateCardEvent { event_key, task_id, response_code, .. } => {
///         assert_eq!((event_key.as_str(), task_id.as_str(), response_code.as_str()), ("approve", "task-42", "rc"));
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok::<(), yizhan_wecom::callback::CryptoError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackMessage {
    /// `MsgType` `text`: a member wrote to the app.
    Text {
        /// `ToUserName`: the corp id.
        to_user: String,
        /// `FromUserName`: the member's user id.
        from_user: String,
        /// `CreateTime`, epoch seconds.
        create_time: i64,
        /// `MsgId`: deduplicate retried pushes by it.
        msg_id: String,
        /// `AgentID`, when present.
        agent_id: Option<i64>,
        /// `Content`: the text.
        content: String,
    },
    /// `Event` `template_card_event`: a button or submit button of a template card was clicked.
    TemplateCardEvent {
        /// `ToUserName`: the corp id.
        to_user: String,
        /// `FromUserName`: the clicking member's user id.
        from_user: String,
        /// `CreateTime`, epoch seconds.
        create_time: i64,
        /// `AgentID`, when present.
        agent_id: Option<i64>,
        /// `EventKey`: the key of the clicked button (`button_list[].key`, `submit_button.key`).
        event_key: String,
        /// `TaskId`: the card's `task_id`.
        task_id: String,
        /// `CardType`, e.g. `button_interaction`.
        card_type: String,
        /// `ResponseCode`: allows one `update_template_card` call for this member (72 h).
        response_code: String,
        /// `SelectedItems` of vote, multiple-choice and button-selection cards (else empty).
        selected_items: Vec<SelectedItem>,
    },
    /// `Event` `template_card_menu_event`: an entry of a card's `action_menu` was clicked.
    TemplateCardMenuEvent {
        /// `ToUserName`: the corp id.
        to_user: String,
        /// `FromUserName`: the clicking member's user id.
        from_user: String,
        /// `CreateTime`, epoch seconds.
        create_time: i64,
        /// `AgentID`, when present.
        agent_id: Option<i64>,
        /// `EventKey`: the key of the menu entry.
        event_key: String,
        /// `TaskId`: the card's `task_id`.
        task_id: String,
        /// `CardType`, e.g. `text_notice`.
        card_type: String,
        /// `ResponseCode`: allows one `update_template_card` call for this member (72 h).
        response_code: String,
    },
    /// Any other message or event, kept whole.
    Other {
        /// `MsgType`, e.g. `image` or `event`.
        msg_type: String,
        /// `Event` for `MsgType` `event`.
        event: Option<String>,
        /// The decrypted XML as received.
        raw: String,
    },
}

/// One answered question of a card (`SelectedItems/SelectedItem`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectedItem {
    /// `QuestionKey`: the question's key in the card.
    pub question_key: String,
    /// `OptionIds/OptionId`: the chosen option ids, in order.
    pub option_ids: Vec<String>,
}

impl CallbackMessage {
    /// Parses the decrypted XML (the output of
    /// [`CallbackCrypto::decrypt_message`](super::CallbackCrypto::decrypt_message)).
    pub fn parse(xml: &str) -> Result<Self, CryptoError> {
        let root = xml::parse(xml)?;
        if root.name != "xml" {
            return Err(missing("root <xml>"));
        }
        let msg_type = required(&root, "MsgType")?.trim();
        let event = root.text_of("Event").map(str::trim);
        let message = match (msg_type, event) {
            ("text", _) => CallbackMessage::Text {
                to_user: required(&root, "ToUserName")?.to_owned(),
                from_user: required(&root, "FromUserName")?.to_owned(),
                create_time: create_time(&root)?,
                msg_id: required(&root, "MsgId")?.trim().to_owned(),
                agent_id: agent_id(&root)?,
                content: required(&root, "Content")?.to_owned(),
            },
            ("event", Some(TEMPLATE_CARD_EVENT)) => CallbackMessage::TemplateCardEvent {
                to_user: required(&root, "ToUserName")?.to_owned(),
                from_user: required(&root, "FromUserName")?.to_owned(),
                create_time: create_time(&root)?,
                agent_id: agent_id(&root)?,
                event_key: required(&root, "EventKey")?.to_owned(),
                task_id: required(&root, "TaskId")?.to_owned(),
                card_type: required(&root, "CardType")?.to_owned(),
                response_code: required(&root, "ResponseCode")?.to_owned(),
                selected_items: selected_items(&root)?,
            },
            ("event", Some(TEMPLATE_CARD_MENU_EVENT)) => CallbackMessage::TemplateCardMenuEvent {
                to_user: required(&root, "ToUserName")?.to_owned(),
                from_user: required(&root, "FromUserName")?.to_owned(),
                create_time: create_time(&root)?,
                agent_id: agent_id(&root)?,
                event_key: required(&root, "EventKey")?.to_owned(),
                task_id: required(&root, "TaskId")?.to_owned(),
                card_type: required(&root, "CardType")?.to_owned(),
                response_code: required(&root, "ResponseCode")?.to_owned(),
            },
            _ => CallbackMessage::Other {
                msg_type: msg_type.to_owned(),
                event: event.map(str::to_owned),
                raw: xml.to_owned(),
            },
        };
        Ok(message)
    }

    /// `MsgType`: `text`, `event`, …
    pub fn msg_type(&self) -> &str {
        match self {
            CallbackMessage::Text { .. } => "text",
            CallbackMessage::TemplateCardEvent { .. } | CallbackMessage::TemplateCardMenuEvent { .. } => "event",
            CallbackMessage::Other { msg_type, .. } => msg_type,
        }
    }

    /// `Event`, for events.
    pub fn event(&self) -> Option<&str> {
        match self {
            CallbackMessage::Text { .. } => None,
            CallbackMessage::TemplateCardEvent { .. } => Some(TEMPLATE_CARD_EVENT),
            CallbackMessage::TemplateCardMenuEvent { .. } => Some(TEMPLATE_CARD_MENU_EVENT),
            CallbackMessage::Other { event, .. } => event.as_deref(),
        }
    }

    /// What WeCom's retries of this push share: `MsgId` for messages, `FromUserName` and
    /// `CreateTime` for events (WeCom docs: 接收消息与事件). `None` for [`CallbackMessage::Other`].
    pub fn dedupe_key(&self) -> Option<String> {
        match self {
            CallbackMessage::Text { msg_id, .. } => Some(msg_id.clone()),
            CallbackMessage::TemplateCardEvent { from_user, create_time, .. }
            | CallbackMessage::TemplateCardMenuEvent { from_user, create_time, .. } => {
                Some(format!("{from_user}:{create_time}"))
            }
            CallbackMessage::Other { .. } => None,
        }
    }
}

fn missing(what: &str) -> CryptoError {
    CryptoError::ParseXml(format!("missing {what}"))
}

fn required<'a>(root: &'a Element, name: &str) -> Result<&'a str, CryptoError> {
    root.text_of(name).ok_or_else(|| missing(&format!("<{name}>")))
}

fn create_time(root: &Element) -> Result<i64, CryptoError> {
    required(root, "CreateTime")?
        .trim()
        .parse()
        .map_err(|_| CryptoError::ParseXml("<CreateTime> is not an integer".to_owned()))
}

fn agent_id(root: &Element) -> Result<Option<i64>, CryptoError> {
    match root.text_of("AgentID").map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) => id.parse().map(Some).map_err(|_| CryptoError::ParseXml("<AgentID> is not an integer".to_owned())),
    }
}

fn selected_items(root: &Element) -> Result<Vec<SelectedItem>, CryptoError> {
    let Some(items) = root.child("SelectedItems") else {
        return Ok(Vec::new());
    };
    items
        .children_named("SelectedItem")
        .map(|item| {
            let option_ids = item
                .child("OptionIds")
                .map(|ids| ids.children_named("OptionId").map(|id| id.text.clone()).collect())
                .unwrap_or_default();
            Ok(SelectedItem { question_key: required(item, "QuestionKey")?.to_owned(), option_ids })
        })
        .collect()
}
