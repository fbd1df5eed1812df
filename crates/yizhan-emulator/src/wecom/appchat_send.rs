//! `POST /cgi-bin/appchat/send` (WeCom docs: 应用推送消息到群聊会话): the message/send payloads
//! minus `template_card` and `miniprogram_notice` (40008), to every member of a chat this app
//! created. Each member receives at most 200 messages per sliding minute and 10 000 per natural day
//! (UTC+8) from one app; the excess is dropped silently (errcode 0), recorded in the inbox with
//! a `dropped` reason. Inbox entries carry `msgid` = `chat:<chatid>` (appchat/send returns none).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::appchat::owned_chat;
use super::errmsg::Rejection;
use super::history::china_day;
use super::request::{authorize, json_object, opt_str};
use super::validate;
use crate::inbox::{Outcome, Record};
use crate::state::AppState;

/// Messages per member per sliding minute from one app.
const PER_MINUTE: usize = 200;
/// Messages per member per natural day from one app.
const PER_DAY: u32 = 10_000;
const MINUTE_MS: i64 = 60_000;

/// Per (app, member) windows for the appchat limits.
#[derive(Debug, Default)]
pub(crate) struct ChatWindows {
    minute: HashMap<(usize, usize), VecDeque<i64>>,
    day: HashMap<(usize, usize), (i64, u32)>,
}

impl ChatWindows {
    fn admit(&mut self, app: usize, user: usize, now_ms: i64) -> Result<(), &'static str> {
        let window = self.minute.entry((app, user)).or_default();
        while window.front().is_some_and(|&t| t <= now_ms - MINUTE_MS) {
            window.pop_front();
        }
        if window.len() >= PER_MINUTE {
            return Err("appchat_member_minute_limit");
        }
        let today = china_day(now_ms);
        let day = self.day.entry((app, user)).or_insert((today, 0));
        if day.0 != today {
            *day = (today, 0);
        }
        if day.1 >= PER_DAY {
            return Err("appchat_member_day_limit");
        }
        window.push_back(now_ms);
        day.1 += 1;
        Ok(())
    }
}

/// The endpoint: delivers to every member within their limits.
pub(super) fn send(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    let app = authorize(state, query, now_ms)?;
    let mut body = json_object(body)?;
    let chatid = opt_str(&body, "chatid")?.map(str::to_owned);
    let chat = owned_chat(&state.wecom.chats(), app, chatid.as_deref())?;
    let msgtype = validate::msgtype(&body)?;
    if matches!(msgtype, "template_card" | "miniprogram_notice") {
        return Err(Rejection::with_text(40008, format!("{msgtype} cannot be sent to an appchat")));
    }
    let content = validate::content(msgtype, body.remove(msgtype))?;
    let outcomes: Vec<Outcome> = {
        let mut windows = state.wecom.chat_windows();
        chat.members
            .iter()
            .map(|&user| match windows.admit(app, user, now_ms) {
                Ok(()) => Outcome::Delivered,
                Err(reason) => Outcome::Dropped(reason),
            })
            .collect()
    };
    let label = state.wecom.apps[app].label.clone();
    let msgid: Arc<str> = format!("chat:{}", chatid.unwrap_or_default()).into();
    let object = Arc::new(content.object);
    let records = chat
        .members
        .iter()
        .zip(outcomes)
        .map(|(&user, outcome)| Record {
            provider: "wecom",
            app: label.clone(),
            recipient: state.wecom.directory.user(user).clone(),
            msgtype: content.msgtype,
            content: object.clone(),
            msgid: msgid.clone(),
            outcome,
            at_ms: now_ms,
            request_id: None,
            status: None,
        })
        .collect();
    state.inbox.record(records);
    Ok(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_get_200_per_minute() {
        let mut w = ChatWindows::default();
        for i in 0..200 {
            assert_eq!(w.admit(0, 1, 1_000 + i), Ok(()));
        }
        assert_eq!(w.admit(0, 1, 1_500), Err("appchat_member_minute_limit"));
        assert_eq!(w.admit(0, 2, 1_500), Ok(()), "another member has their own window");
        assert_eq!(w.admit(0, 1, 1_000 + MINUTE_MS + 1), Ok(()), "the window slides");
    }
}
