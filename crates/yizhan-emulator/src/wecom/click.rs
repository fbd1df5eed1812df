//! Card clicks (`POST /__emulator/click`, [`EmulatorHandle::click`](crate::EmulatorHandle::click)):
//! a member clicks a sent template card and the emulator delivers the encrypted
//! `template_card_event` (or `template_card_menu_event`) to the app's `callback_url` (WeCom docs:
//! 接收消息与事件), with a new single-use `ResponseCode` recorded like the ones message/send
//! issues.
//!
//! The card is found by `msgid` or `task_id` among the issued response codes; the member must
//! have received it (a delivered inbox entry); the key must be a callback button key, the
//! `submit_button` key or an `action_menu` key of that card; selections must name the card's
//! questions and options (without any, a card's default choices are sent).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::callback_crypto::{encrypt, random_prefix, signature};
use super::delivery::{CallbackAttempt, Target, deliver};
use super::ledger::ResponseCodeRecord;
use super::token::random_id;
use crate::state::AppState;

/// Length of generated response codes (as message/send issues them).
const RESPONSE_CODE_LEN: usize = 43;

/// A member's click on a sent template card. Give `msgid` or `task_id` (or both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Click {
    /// The msgid message/send answered for the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgid: Option<String>,
    /// The card's `task_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The clicking member's user id (must have received the card).
    pub user: String,
    /// The clicked key: a button's `key`, `submit_button.key` or an `action_menu` entry's `key`.
    pub key: String,
    /// Chosen options per question; empty = the card's defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selected: Vec<Selection>,
}

/// The options chosen for one question of a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// The question's `question_key`.
    pub question_key: String,
    /// The chosen option ids.
    pub option_ids: Vec<String>,
}

impl Click {
    /// `user` clicks `key` on the card sent as `msgid`.
    pub fn msgid(msgid: impl Into<String>, user: impl Into<String>, key: impl Into<String>) -> Self {
        Click { msgid: Some(msgid.into()), task_id: None, user: user.into(), key: key.into(), selected: Vec::new() }
    }

    /// `user` clicks `key` on the latest card with `task_id`.
    pub fn task_id(task_id: impl Into<String>, user: impl Into<String>, key: impl Into<String>) -> Self {
        Click { msgid: None, task_id: Some(task_id.into()), user: user.into(), key: key.into(), selected: Vec::new() }
    }

    /// Adds the options chosen for `question_key`.
    #[must_use]
    pub fn select(
        mut self,
        question_key: impl Into<String>,
        option_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let option_ids = option_ids.into_iter().map(Into::into).collect();
        self.selected.push(Selection { question_key: question_key.into(), option_ids });
        self
    }
}

/// What a click did: the event sent and every delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickOutcome {
    /// True when an attempt got HTTP 200.
    pub delivered: bool,
    /// The status of the last attempt (`None`: it timed out or could not connect).
    pub final_status: Option<u16>,
    /// Every POST, in order (at most `wecom.callback_attempts`).
    pub attempts: Vec<CallbackAttempt>,
    /// `template_card_event` or `template_card_menu_event`.
    pub event: String,
    /// The new response code carried by the event (also in `response_codes()`).
    pub response_code: String,
    /// The plaintext event XML that was encrypted and sent.
    pub xml: String,
    /// The decrypted passive reply, when the app answered 200 with an encrypted reply.
    pub reply: Option<String>,
    /// Why a non-empty answer was not a valid encrypted reply.
    pub reply_error: Option<String>,
}

/// Why a click was refused; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClickError {
    /// The request is malformed (no msgid/task_id, empty user or key, unknown question or option).
    #[error("invalid click: {0}")]
    Invalid(String),
    /// No interactive card was sent with that msgid / task_id.
    #[error("no template card with {0}")]
    NoCard(String),
    /// The member did not receive the card.
    #[error("user {user:?} did not receive message {msgid}")]
    NotRecipient {
        /// The user of the click.
        user: String,
        /// The card's msgid.
        msgid: String,
    },
    /// The key is none of the card's callback keys.
    #[error("the card has no button or menu key {0:?}")]
    UnknownKey(String),
    /// The sending app has no `callback_url`.
    #[error("wecom app {0} has no callback_url configured")]
    NoCallbackUrl(String),
}

impl ClickError {
    /// The HTTP status the control API answers: 400, 404 or 409.
    pub fn status(&self) -> u16 {
        match self {
            ClickError::Invalid(_) | ClickError::UnknownKey(_) => 400,
            ClickError::NoCard(_) | ClickError::NotRecipient { .. } => 404,
            ClickError::NoCallbackUrl(_) => 409,
        }
    }
}

/// Performs a click: checks it, records the new response code, delivers the callback.
pub(crate) async fn click(state: &AppState, click: Click) -> Result<ClickOutcome, ClickError> {
    if click.user.trim().is_empty() || click.key.is_empty() {
        return Err(ClickError::Invalid("user and key are required".to_owned()));
    }
    let wecom = &state.wecom;
    let card = match (&click.msgid, &click.task_id) {
        (None, None) => return Err(ClickError::Invalid("msgid or task_id is required".to_owned())),
        (msgid, task_id) => wecom.ledger().find_card(msgid.as_deref(), task_id.as_deref()),
    };
    let card = card.ok_or_else(|| ClickError::NoCard(describe(&click)))?;
    let app = wecom.apps.iter().find(|a| *a.label == *card.app).ok_or_else(|| ClickError::NoCard(describe(&click)))?;
    let url = app.callback.url.clone().ok_or_else(|| ClickError::NoCallbackUrl(card.app.clone()))?;
    let (user, content) = state
        .inbox
        .find_wecom(&card.msgid, &click.user)
        .ok_or_else(|| ClickError::NotRecipient { user: click.user.clone(), msgid: card.msgid.clone() })?;
    let menu = keys(&content, &["action_menu"], "action_list").any(|k| k == click.key);
    if !menu && !callback_keys(&content).any(|k| k == click.key) {
        return Err(ClickError::UnknownKey(click.key));
    }
    let selected = selections(&content, click.selected, menu)?;
    let now_ms = state.clock.now_ms();
    let response_code = random_id(RESPONSE_CODE_LEN);
    wecom.ledger().issue_response_code(ResponseCodeRecord {
        response_code: response_code.clone(),
        issued_at_ms: now_ms,
        ..card.clone()
    });
    let event = if menu { "template_card_menu_event" } else { "template_card_event" };
    let timestamp = now_ms.div_euclid(1000);
    let mut xml = String::with_capacity(512);
    xml.push_str("<xml>");
    cdata(&mut xml, "ToUserName", &app.corp_id);
    cdata(&mut xml, "FromUserName", &user);
    xml.push_str(&format!("<CreateTime>{timestamp}</CreateTime>"));
    cdata(&mut xml, "MsgType", "event");
    cdata(&mut xml, "Event", event);
    cdata(&mut xml, "EventKey", &click.key);
    cdata(&mut xml, "TaskId", card.task_id.as_deref().unwrap_or_default());
    cdata(&mut xml, "CardType", &card.card_type);
    cdata(&mut xml, "ResponseCode", &response_code);
    xml.push_str(&format!("<AgentID>{}</AgentID>", app.agent_id));
    if !selected.is_empty() {
        xml.push_str("<SelectedItems>");
        for item in &selected {
            xml.push_str("<SelectedItem>");
            cdata(&mut xml, "QuestionKey", &item.question_key);
            xml.push_str("<OptionIds>");
            item.option_ids.iter().for_each(|id| cdata(&mut xml, "OptionId", id));
            xml.push_str("</OptionIds></SelectedItem>");
        }
        xml.push_str("</SelectedItems>");
    }
    xml.push_str("</xml>");
    let encrypted = encrypt(&app.callback.key, &random_prefix(), &xml, &app.corp_id);
    let (timestamp, nonce) = (timestamp.to_string(), fastrand::u64(1_000_000_000..10_000_000_000).to_string());
    let msg_signature = signature(&app.callback.token, &timestamp, &nonce, &encrypted);
    let mut body = String::with_capacity(encrypted.len() + 128);
    body.push_str("<xml>");
    cdata(&mut body, "ToUserName", &app.corp_id);
    cdata(&mut body, "Encrypt", &encrypted);
    cdata(&mut body, "AgentID", &app.agent_id.to_string());
    body.push_str("</xml>");
    let target = Target { url, msg_signature, timestamp, nonce, body };
    let delivery = deliver(&target, &wecom.callback_policy, app).await;
    Ok(ClickOutcome {
        delivered: delivery.delivered,
        final_status: delivery.attempts.last().and_then(|a| a.status),
        attempts: delivery.attempts,
        event: event.to_owned(),
        response_code,
        xml,
        reply: delivery.reply,
        reply_error: delivery.reply_error,
    })
}

fn describe(click: &Click) -> String {
    match (&click.msgid, &click.task_id) {
        (Some(m), Some(t)) => format!("msgid {m} and task_id {t}"),
        (Some(m), None) => format!("msgid {m}"),
        (None, Some(t)) => format!("task_id {t}"),
        (None, None) => "no id".to_owned(),
    }
}

/// Appends `<name><![CDATA[text]]></name>`, splitting `]]>`.
pub(crate) fn cdata(out: &mut String, name: &str, text: &str) {
    let text = text.replace("]]>", "]]]]><![CDATA[>");
    out.push_str(&format!("<{name}><![CDATA[{text}]]></{name}>"));
}

/// The `key` strings of the objects in list `list` under the object at `path`.
fn keys<'a>(content: &'a Value, path: &[&str], list: &str) -> impl Iterator<Item = &'a str> + 'a {
    let parent = path.iter().try_fold(content, |v, key| v.get(key));
    let items = parent.and_then(|p| p.get(list)).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    items.iter().filter_map(|item| item.get("key").and_then(Value::as_str))
}

/// Button keys (not URL buttons) and the submit button key.
fn callback_keys(content: &Value) -> impl Iterator<Item = &str> {
    let buttons = content.get("button_list").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let buttons = buttons.iter().filter(|b| b.get("type").and_then(Value::as_i64) != Some(1));
    let submit = content.get("submit_button").and_then(|s| s.get("key")).and_then(Value::as_str);
    buttons.filter_map(|b| b.get("key").and_then(Value::as_str)).chain(submit)
}

/// A question: `(question_key, option ids, default choices)`.
type Question<'a> = (&'a str, Vec<&'a str>, Vec<&'a str>);

/// The card's questions: button selection, vote checkbox, selects.
fn questions(content: &Value) -> Vec<Question<'_>> {
    let selects = content.get("select_list").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let selects = selects.iter().filter_map(|q| question(q, false));
    let single = [("button_selection", false), ("checkbox", true)];
    let single = single.into_iter().filter_map(|(key, checkbox)| content.get(key).and_then(|q| question(q, checkbox)));
    single.chain(selects).collect()
}

fn option_id(option: &Value) -> Option<&str> {
    option.get("id").and_then(Value::as_str)
}

fn question(q: &Value, checkbox: bool) -> Option<Question<'_>> {
    let key = q.get("question_key").and_then(Value::as_str)?;
    let options = q.get("option_list").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let ids = options.iter().filter_map(option_id).collect();
    let defaults = if checkbox {
        let checked = |o: &&Value| o.get("is_checked").and_then(Value::as_bool) == Some(true);
        options.iter().filter(checked).filter_map(option_id).collect()
    } else {
        q.get("selected_id").and_then(Value::as_str).into_iter().collect()
    };
    Some((key, ids, defaults))
}

fn selections(content: &Value, selected: Vec<Selection>, menu: bool) -> Result<Vec<Selection>, ClickError> {
    if menu && !selected.is_empty() {
        return Err(ClickError::Invalid("an action_menu click carries no selection".to_owned()));
    }
    if menu {
        return Ok(Vec::new());
    }
    let questions = questions(content);
    if selected.is_empty() {
        let defaults = questions.into_iter().filter(|(_, _, d)| !d.is_empty());
        let to_owned = |ids: Vec<&str>| ids.into_iter().map(str::to_owned).collect();
        return Ok(defaults
            .map(|(q, _, d)| Selection { question_key: q.to_owned(), option_ids: to_owned(d) })
            .collect());
    }
    for item in &selected {
        let (_, ids, _) = questions
            .iter()
            .find(|(q, _, _)| *q == item.question_key)
            .ok_or_else(|| ClickError::Invalid(format!("the card has no question {:?}", item.question_key)))?;
        if let Some(bad) = item.option_ids.iter().find(|id| !ids.contains(&id.as_str())) {
            return Err(ClickError::Invalid(format!("question {:?} has no option {bad:?}", item.question_key)));
        }
    }
    Ok(selected)
}
