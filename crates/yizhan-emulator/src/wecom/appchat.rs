//! `appchat/create`, `appchat/update` and `appchat/get` (WeCom docs: 应用推送消息到群聊会话): group
//! chats created by an application. Limits: 2–2000 members (86006), members must exist (86216),
//! chatid ≤32 of `[0-9a-zA-Z]` (86001) and unique (86215), only the creating app may change or use
//! a chat (86008), unknown chatid 86003, owner must be a member (86005). Names are cut to 50
//! characters.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::errmsg::Rejection;
use super::request::{authorize, id_list, json_object, opt_str};
use super::token::random_id;
use crate::query::param;
use crate::state::AppState;

/// Most members a chat may have.
const MAX_MEMBERS: usize = 2000;
/// Fewest members a chat may have.
const MIN_MEMBERS: usize = 2;
/// Names longer than this (in characters) are cut.
const MAX_NAME_CHARS: usize = 50;
/// Longest chatid.
const MAX_CHATID: usize = 32;

/// One application group chat.
#[derive(Debug, Clone)]
pub(crate) struct Chat {
    pub(crate) app: usize,
    name: String,
    owner: usize,
    pub(crate) members: Vec<usize>,
}

/// Every chat, by chatid.
pub(crate) type Chats = HashMap<String, Chat>;

/// `appchat/create`.
pub(super) fn create(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    let app = authorize(state, query, now_ms)?;
    create_chat(state, app, &json_object(body)?)
}

/// `appchat/update`.
pub(super) fn update(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    let app = authorize(state, query, now_ms)?;
    update_chat(state, app, &json_object(body)?)
}

/// `appchat/get?chatid=`.
pub(super) fn get(
    state: &AppState,
    query: Option<&str>,
    _body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    let app = authorize(state, query, now_ms)?;
    get_chat(state, app, param(query, "chatid").as_deref())
}

fn members(state: &AppState, ids: &[String]) -> Result<Vec<usize>, Rejection> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let index = state.wecom.directory.find_user(id).map_err(|_| Rejection::new(86216))?;
        if !out.contains(&index) {
            out.push(index);
        }
    }
    Ok(out)
}

fn create_chat(state: &AppState, app: usize, body: &Map<String, Value>) -> Result<Map<String, Value>, Rejection> {
    let userlist = members(state, &id_list(body, "userlist")?)?;
    if !(MIN_MEMBERS..=MAX_MEMBERS).contains(&userlist.len()) {
        return Err(Rejection::new(86006));
    }
    let owner = match opt_str(body, "owner")? {
        Some(owner) => state.wecom.directory.find_user(owner).map_err(|_| Rejection::new(86005))?,
        None => userlist[0],
    };
    if !userlist.contains(&owner) {
        return Err(Rejection::new(86005));
    }
    let name: String = opt_str(body, "name")?.unwrap_or_default().chars().take(MAX_NAME_CHARS).collect();
    let mut chats = state.wecom.chats();
    let chatid = match opt_str(body, "chatid")? {
        Some(id) if id.len() > MAX_CHATID || !id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            return Err(Rejection::new(86001));
        }
        Some(id) if chats.contains_key(id) => return Err(Rejection::new(86215)),
        Some(id) => id.to_owned(),
        None => random_id(MAX_CHATID).replace(['-', '_'], "0"),
    };
    chats.insert(chatid.clone(), Chat { app, name, owner, members: userlist });
    Ok(Map::from_iter([("chatid".to_owned(), Value::from(chatid))]))
}

/// The chat `chatid` if it exists and belongs to `app`.
pub(crate) fn owned_chat(chats: &Chats, app: usize, chatid: Option<&str>) -> Result<Chat, Rejection> {
    let chatid = chatid.ok_or_else(|| Rejection::new(86001))?;
    let chat = chats.get(chatid).ok_or_else(|| Rejection::new(86003))?;
    if chat.app != app {
        return Err(Rejection::new(86008));
    }
    Ok(chat.clone())
}

fn update_chat(state: &AppState, app: usize, body: &Map<String, Value>) -> Result<Map<String, Value>, Rejection> {
    let chatid = opt_str(body, "chatid")?;
    let add = members(state, &id_list(body, "add_user_list")?)?;
    let del = members(state, &id_list(body, "del_user_list")?)?;
    let mut chats = state.wecom.chats();
    let mut chat = owned_chat(&chats, app, chatid)?;
    chat.members.retain(|m| !del.contains(m));
    for m in add {
        if !chat.members.contains(&m) {
            chat.members.push(m);
        }
    }
    if !(MIN_MEMBERS..=MAX_MEMBERS).contains(&chat.members.len()) {
        return Err(Rejection::new(86006));
    }
    if let Some(owner) = opt_str(body, "owner")? {
        chat.owner = state.wecom.directory.find_user(owner).map_err(|_| Rejection::new(86005))?;
    }
    if !chat.members.contains(&chat.owner) {
        return Err(Rejection::new(86005));
    }
    if let Some(name) = opt_str(body, "name")? {
        chat.name = name.chars().take(MAX_NAME_CHARS).collect();
    }
    chats.insert(chatid.unwrap_or_default().to_owned(), chat);
    Ok(Map::new())
}

fn get_chat(state: &AppState, app: usize, chatid: Option<&str>) -> Result<Map<String, Value>, Rejection> {
    let chat = owned_chat(&state.wecom.chats(), app, chatid)?;
    let directory = &state.wecom.directory;
    let userlist: Vec<&str> = chat.members.iter().map(|&m| &**directory.user(m)).collect();
    let info = json!({
        "chatid": chatid.unwrap_or_default(),
        "name": chat.name,
        "owner": &**directory.user(chat.owner),
        "userlist": userlist,
        "chat_type": 0,
    });
    Ok(Map::from_iter([("chat_info".to_owned(), info)]))
}
