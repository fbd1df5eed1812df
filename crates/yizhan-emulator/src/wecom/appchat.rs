//! `appchat/create`, `appchat/update` and `appchat/get` (reference §3.3): group chats created by
//! an application. Limits: 2–2000 members (86006), members must exist (86216), chatid ≤32 of
//! `[0-9a-zA-Z]` (86001) and unique (86215), only the creating app may change or use a chat
//! (86008), unknown chatid 86003, owner must be a member (86005). Names are cut to 50 characters.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::errmsg::{Rejection, error_reply};
use super::request::{authorize, id_list, json_object, opt_str};
use super::token::random_id;
use super::{APPCHAT_CREATE_PATH, APPCHAT_GET_PATH, APPCHAT_UPDATE_PATH, fault_reply};
use crate::provider::{self, Reply};
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

/// Which appchat endpoint a request is for.
#[derive(Debug, Clone, Copy)]
enum Op {
    Create,
    Update,
    Get,
}

macro_rules! handler {
    ($name:ident, $op:expr, $path:expr) => {
        /// The axum handler.
        pub(super) async fn $name(
            State(state): State<Arc<AppState>>,
            ConnectInfo(peer): ConnectInfo<SocketAddr>,
            RawQuery(query): RawQuery,
            body: Bytes,
        ) -> Response {
            let ip = peer.ip();
            provider::call(
                &state,
                $path,
                |code| fault_reply(&state, code, ip),
                || answer(&state, $op, query.as_deref(), &body, ip),
            )
            .await
        }
    };
}

handler!(create, Op::Create, APPCHAT_CREATE_PATH);
handler!(update, Op::Update, APPCHAT_UPDATE_PATH);
handler!(get, Op::Get, APPCHAT_GET_PATH);

fn answer(state: &AppState, op: Op, query: Option<&str>, body: &[u8], ip: IpAddr) -> Reply {
    let now_ms = state.clock.now_ms();
    let result = authorize(state, query, now_ms).and_then(|app| match op {
        Op::Create => json_object(body).and_then(|b| create_chat(state, app, &b)),
        Op::Update => json_object(body).and_then(|b| update_chat(state, app, &b)),
        Op::Get => get_chat(state, app, param(query, "chatid").as_deref()),
    });
    match result {
        Ok(body) => Reply::json(true, &body),
        Err(rejection) => error_reply(&rejection, ip, now_ms.div_euclid(1000)),
    }
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

fn create_chat(state: &AppState, app: usize, body: &Map<String, Value>) -> Result<Value, Rejection> {
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
    Ok(json!({"errcode": 0, "errmsg": "ok", "chatid": chatid}))
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

fn update_chat(state: &AppState, app: usize, body: &Map<String, Value>) -> Result<Value, Rejection> {
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
    Ok(json!({"errcode": 0, "errmsg": "ok"}))
}

fn get_chat(state: &AppState, app: usize, chatid: Option<&str>) -> Result<Value, Rejection> {
    let chat = owned_chat(&state.wecom.chats(), app, chatid)?;
    let directory = &state.wecom.directory;
    let userlist: Vec<&str> = chat.members.iter().map(|&m| &**directory.user(m)).collect();
    Ok(json!({"errcode": 0, "errmsg": "ok", "chat_info": {
        "chatid": chatid.unwrap_or_default(),
        "name": chat.name,
        "owner": &**directory.user(chat.owner),
        "userlist": userlist,
        "chat_type": 0,
    }}))
}
