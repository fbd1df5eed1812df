//! `POST /cgi-bin/message/recall` (WeCom docs: 撤回应用消息): `{"msgid": "..."}`, only for messages
//! this app sent in the last 24 h.
//!
//! The codes for an unknown, too old or already recalled msgid are not documented; the emulator
//! answers 40035 (invalid parameter) with a text that says which. An empty msgid is 40063.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::errmsg::Rejection;
use super::history::RecallRefusal;
use super::request::{authorize, json_object, opt_str};
use crate::inbox::{Outcome, Record};
use crate::state::AppState;

/// The endpoint: recalls the message and records it.
pub(super) fn recall(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    let app = authorize(state, query, now_ms)?;
    let body = json_object(body)?;
    let msgid = opt_str(&body, "msgid")?.ok_or_else(|| Rejection::new(40063))?;
    state.wecom.history().recall(msgid, app, now_ms).map_err(|refusal| {
        Rejection::with_text(
            40035,
            match refusal {
                RecallRefusal::Unknown => "invalid msgid: not sent by this app",
                RecallRefusal::TooOld => "msgid can only be recalled within 24 hours",
                RecallRefusal::AlreadyRecalled => "msgid already recalled",
            },
        )
    })?;
    let app = &state.wecom.apps[app];
    state.inbox.record(vec![Record {
        provider: "wecom",
        app: app.label.clone(),
        recipient: Arc::from("*"),
        msgtype: "recall",
        content: Arc::new(Value::Object([("msgid".to_owned(), Value::from(msgid))].into_iter().collect())),
        msgid: Arc::from(msgid),
        outcome: Outcome::Delivered,
        at_ms: now_ms,
        request_id: None,
        status: None,
    }]);
    Ok(Map::new())
}
