//! `department/list` and `user/list`: the emulated directory as an application reads it. Party
//! `1` is the root (parent 0), every other party sits under it; a party's name is `部门<id>`
//! (`yizhan` for the root) and a user's name is their userid. An unknown department answers
//! 60123 (invalid party id). Email and mobile are not returned, as for applications created
//! after 2022-06-20.

use serde_json::{Map, Value, json};

use super::errmsg::Rejection;
use super::request::authorize;
use crate::query::param;
use crate::state::AppState;

/// WeCom's "invalid party id".
const INVALID_PARTY: i64 = 60123;

/// `GET /cgi-bin/department/list[?id=ID]`.
pub(super) fn department_list(
    state: &AppState,
    query: Option<&str>,
    _body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    authorize(state, query, now_ms)?;
    let directory = &state.wecom.directory;
    let wanted: Option<String> = param(query, "id").map(|id| id.to_string()).filter(|id| !id.is_empty());
    let mut ids: Vec<&str> = directory.party_ids().collect();
    ids.sort_by_key(|id| (id.parse::<i64>().unwrap_or(i64::MAX), id.to_string()));
    if let Some(wanted) = &wanted {
        if !ids.iter().any(|id| id == wanted) {
            return Err(Rejection::with_text(INVALID_PARTY, "invalid party id"));
        }
        // Every party but the root is under the root.
        if wanted != "1" {
            ids.retain(|id| *id == wanted.as_str());
        }
    }
    let department: Vec<Value> = ids.iter().map(|id| department(id)).collect();
    Ok(Map::from_iter([("department".to_owned(), Value::from(department))]))
}

/// `GET /cgi-bin/user/list?department_id=ID`.
pub(super) fn user_list(
    state: &AppState,
    query: Option<&str>,
    _body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    authorize(state, query, now_ms)?;
    let directory = &state.wecom.directory;
    let id = param(query, "department_id").unwrap_or_default();
    let members =
        directory.party_members(&id).ok_or_else(|| Rejection::with_text(INVALID_PARTY, "invalid party id"))?;
    let userlist: Vec<Value> = members
        .iter()
        .map(|&m| {
            let userid = &**directory.user(m);
            let mut department: Vec<i64> = directory.parties_of(m).filter_map(|p| p.parse().ok()).collect();
            department.sort_unstable();
            json!({"userid": userid, "name": userid, "department": department})
        })
        .collect();
    Ok(Map::from_iter([("userlist".to_owned(), Value::from(userlist))]))
}

fn department(id: &str) -> Value {
    let numeric: i64 = id.parse().unwrap_or_default();
    let (name, parent) = if id == "1" { ("yizhan".to_owned(), 0) } else { (format!("部门{id}"), 1) };
    json!({"id": numeric, "name": name, "parentid": parent, "order": numeric})
}
