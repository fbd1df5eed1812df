//! `POST /cgi-bin/message/update_template_card` (WeCom docs: 更新模版卡片消息).
//!
//! Mode A greys out the button (`button.replace_name`, interaction cards only); mode B replaces
//! the card (`template_card`). Exactly one of the two. Targets: `userids` (≤1000), `partyids`
//! (≤100), `tagids` (≤100) and/or `atall`. The `response_code` must be one this app was issued
//! (by message/send or a simulated click), unused, and younger than 72 h; it is used up by a
//! successful call. Undocumented refusals (unknown, used, expired code; wrong mode) answer 40035
//! with a text that says which.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::errmsg::Rejection;
use super::history::RESPONSE_CODE_LIFETIME_MS;
use super::request::{authorize, check_agent, id_list, json_object, opt_str};
use super::template_card;
use crate::inbox::{Outcome, Record};
use crate::state::AppState;

/// Card types whose button can be greyed out with `replace_name`.
const INTERACTION_CARDS: [&str; 3] = ["button_interaction", "vote_interaction", "multiple_interaction"];

/// The endpoint: checks the code and the update, uses the code up, records the update.
pub(super) fn update(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    let app = authorize(state, query, now_ms)?;
    let body = json_object(body)?;
    check_agent(state, app, &body)?;
    let code = opt_str(&body, "response_code")?.ok_or_else(|| Rejection::new(40063))?;
    let targets = Targets::read(&body)?;
    let label = state.wecom.apps[app].label.clone();
    let issued = state
        .wecom
        .response_codes()
        .into_iter()
        .rev()
        .find(|r| r.response_code == code && *r.app == *label)
        .ok_or_else(|| Rejection::with_text(40035, "invalid response_code"))?;
    if now_ms - issued.issued_at_ms > RESPONSE_CODE_LIFETIME_MS {
        return Err(Rejection::with_text(40035, "response_code expired (valid 72 hours)"));
    }
    let update = match (body.get("button"), body.get("template_card")) {
        (Some(Value::Object(button)), None) => {
            if !INTERACTION_CARDS.contains(&issued.card_type.as_str()) {
                return Err(Rejection::with_text(40035, "button.replace_name only applies to interaction cards"));
            }
            opt_str(button, "replace_name")?.ok_or_else(|| Rejection::new(40063))?;
            json!({"button": button})
        }
        (None, Some(Value::Object(card))) => {
            template_card::check(card)?;
            json!({"template_card": card})
        }
        _ => return Err(Rejection::with_text(40035, "give exactly one of button and template_card")),
    };
    if !state.wecom.history().use_code(code) {
        return Err(Rejection::with_text(40035, "response_code already used"));
    }
    let content = Arc::new(update);
    let msgid: Arc<str> = issued.msgid.into();
    let records = targets
        .recipients()
        .map(|recipient| Record {
            provider: "wecom",
            app: label.clone(),
            recipient,
            msgtype: "update_template_card",
            content: content.clone(),
            msgid: msgid.clone(),
            outcome: Outcome::Delivered,
            at_ms: now_ms,
            request_id: None,
            status: None,
        })
        .collect();
    state.inbox.record(records);
    Ok(Map::new())
}

/// Whom an update applies to.
struct Targets {
    users: Vec<String>,
    parties: Vec<String>,
    tags: Vec<String>,
    all: bool,
}

impl Targets {
    fn read(body: &Map<String, Value>) -> Result<Self, Rejection> {
        let targets = Targets {
            users: id_list(body, "userids")?,
            parties: id_list(body, "partyids")?,
            tags: id_list(body, "tagids")?,
            all: matches!(body.get("atall"), Some(v) if v.as_i64() == Some(1) || v.as_str() == Some("1")),
        };
        for (list, max, code) in
            [(&targets.users, 1000, 40031), (&targets.parties, 100, 82002), (&targets.tags, 100, 82003)]
        {
            if list.len() > max {
                return Err(Rejection::new(code));
            }
        }
        if !targets.all && targets.users.is_empty() && targets.parties.is_empty() && targets.tags.is_empty() {
            return Err(Rejection::new(82001));
        }
        Ok(targets)
    }

    /// Inbox recipients: each user, `party:N`, `tag:N`, or `*` for everyone who got the card.
    fn recipients(&self) -> impl Iterator<Item = Arc<str>> + '_ {
        let all = self.all.then(|| Arc::from("*"));
        let users = self.users.iter().map(|u| Arc::from(u.to_lowercase()));
        let parties = self.parties.iter().map(|p| Arc::from(format!("party:{p}")));
        let tags = self.tags.iter().map(|t| Arc::from(format!("tag:{t}")));
        all.into_iter().chain(users).chain(parties).chain(tags)
    }
}
