//! The user API (Getui REST v2 docs: user API): aliases, custom tags and online status.
//!
//! * `POST /user/alias` `{"data_list":[{"cid","alias"}]}` (≤ 1000): binding a new alias unbinds
//!   the old one; ≤ 10 cids per alias; alias = letters, digits, `_` or CJK, < 40 chars. All or
//!   nothing: any invalid pair rejects the call (20001).
//! * `DELETE /user/alias` (same body), `DELETE /user/alias/{alias}`: unbind; success even when
//!   nothing was bound.
//! * `GET /user/alias/cid/{cid}` → `{"alias": "…"}` (`""` when unbound; unknown cid → 20001
//!   `target user is invalid`); `GET /user/cid/alias/{alias}` → `{"cid": [...]}` (empty when
//!   unknown).
//! * `POST /user/custom_tag/cid/{cid}` `{"custom_tag": [...]}` overwrites (≤ 100 tags of ≤ 32
//!   chars without spaces, ≤ 512 chars in all); the once-a-day limit is not enforced.
//!   `GET /user/custom_tag/cid/{cid}` → `{cid: ["tag1 tag2"]}`: one space-joined element, as the
//!   doc mirror shows (`[]` without tags).
//! * `PUT|DELETE /user/custom_tag/batch/{tag}` `{"cid": [...]}` (≤ 1000) → `{cid: "true"|"false"}`
//!   (`"false"` for unknown cids), applied at once (the real one is asynchronous).
//! * `GET /user/status/{cid,cid}` (≤ 1000) → `{cid: {"last_login_time": "<ms>", "status"}}`;
//!   inactive cids are `offline`; unknown cids are left out. Login times are derived from now:
//!   online 1 minute ago, offline 1 day ago, inactive 100 days ago.

use serde_json::{Map, Value, json};

use super::Ctx;
use super::config::CidStatus;
use super::envelope::{Answer, Res};
use super::time::{DAY_MS, MINUTE_MS};
use super::validate::{self, get, req_str, string_list};

/// Most entries per user-API call.
const MAX_ITEMS: usize = 1000;

fn valid_alias(alias: &str) -> bool {
    !alias.is_empty() && alias.chars().count() < 40 && alias.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn valid_tag(tag: &str) -> bool {
    !tag.is_empty() && tag.chars().count() <= 32 && !tag.chars().any(|c| c.is_whitespace() || c == ',')
}

/// The `(cid, alias)` pairs of `data_list`.
fn pairs(ctx: &Ctx<'_>) -> Result<Vec<(String, String)>, Answer> {
    let map = validate::object(ctx.body)?;
    let list = match get(&map, "data_list") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        None | Some(Value::Array(_)) => return Err(Answer::empty("data_list")),
        Some(_) => return Err(Answer::type_error("data_list")),
    };
    if list.len() > MAX_ITEMS {
        return Err(Answer::over_limit("data_list"));
    }
    list.iter()
        .map(|item| {
            let item = item.as_object().ok_or_else(|| Answer::invalid("data_list"))?;
            Ok((req_str(item, "cid")?.to_owned(), req_str(item, "alias")?.to_owned()))
        })
        .collect()
}

/// `POST /user/alias`.
pub(super) fn bind(ctx: &Ctx<'_>) -> Res {
    let pairs = pairs(ctx)?;
    let mut inner = ctx.getui().lock();
    let mut registry = inner.registry.clone();
    let mut seen = std::collections::HashSet::new();
    for (cid, alias) in &pairs {
        if !seen.insert(cid) {
            return Err(Answer::param("contains duplicate cid"));
        }
        if registry.get(cid).is_none() {
            return Err(Answer::param("target user is invalid"));
        }
        if !valid_alias(alias) {
            return Err(Answer::invalid("alias"));
        }
        registry.bind(cid, alias)?;
    }
    inner.registry = registry;
    Ok(Answer::success())
}

/// `DELETE /user/alias` with a body.
pub(super) fn unbind(ctx: &Ctx<'_>) -> Res {
    let pairs = pairs(ctx)?;
    let mut inner = ctx.getui().lock();
    for (cid, alias) in &pairs {
        inner.registry.unbind(cid, alias);
    }
    Ok(Answer::success())
}

/// `DELETE /user/alias/{alias}`.
pub(super) fn unbind_alias(ctx: &Ctx<'_>) -> Res {
    ctx.getui().lock().registry.unbind_alias(ctx.param(0));
    Ok(Answer::success())
}

/// `GET /user/alias/cid/{cid}`.
pub(super) fn alias_of_cid(ctx: &Ctx<'_>) -> Res {
    let inner = ctx.getui().lock();
    let cid = ctx.param(0);
    if inner.registry.get(cid).is_none() {
        return Err(Answer::param("target user is invalid"));
    }
    Ok(Answer::success_data(json!({ "alias": inner.registry.alias_of(cid).unwrap_or_default() })))
}

/// `GET /user/cid/alias/{alias}`.
pub(super) fn cids_of_alias(ctx: &Ctx<'_>) -> Res {
    let inner = ctx.getui().lock();
    Ok(Answer::success_data(json!({ "cid": inner.registry.alias_cids(ctx.param(0)) })))
}

/// `POST /user/custom_tag/cid/{cid}`.
pub(super) fn set_tags(ctx: &Ctx<'_>) -> Res {
    let map = validate::object(ctx.body)?;
    let tags = match get(&map, "custom_tag") {
        Some(Value::Array(tags)) => tags,
        None => return Err(Answer::empty("custom_tag")),
        Some(_) => return Err(Answer::type_error("custom_tag")),
    };
    let mut list: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.as_str().filter(|t| valid_tag(t)).ok_or_else(|| Answer::invalid("custom_tag"))?;
        if !list.iter().any(|t| t == tag) {
            list.push(tag.to_owned());
        }
    }
    if list.len() > 100 || list.iter().map(|t| t.chars().count()).sum::<usize>() > 512 {
        return Err(Answer::over_limit("custom_tag"));
    }
    let mut inner = ctx.getui().lock();
    *inner.registry.tags_mut(ctx.param(0)).ok_or_else(|| Answer::param("target user is invalid"))? = list;
    Ok(Answer::success())
}

/// `GET /user/custom_tag/cid/{cid}`.
pub(super) fn get_tags(ctx: &Ctx<'_>) -> Res {
    let inner = ctx.getui().lock();
    let cid = inner.registry.get(ctx.param(0)).ok_or_else(|| Answer::param("target user is invalid"))?;
    let tags = &cid.config.tags;
    let joined: Vec<String> = if tags.is_empty() { vec![] } else { vec![tags.join(" ")] };
    Ok(Answer::success_data(json!({ cid.id.as_ref(): joined })))
}

/// `PUT` (`add`) or `DELETE /user/custom_tag/batch/{tag}`.
pub(super) fn batch_tag(ctx: &Ctx<'_>, add: bool) -> Res {
    let tag = ctx.param(0);
    if !valid_tag(tag) {
        return Err(Answer::invalid("custom_tag"));
    }
    let map = validate::object(ctx.body)?;
    let cids = string_list(&map, "cid", MAX_ITEMS)?;
    let mut inner = ctx.getui().lock();
    let mut result = Map::new();
    for cid in cids {
        let done = match inner.registry.tags_mut(&cid) {
            Some(tags) if add => {
                if !tags.iter().any(|t| t == tag) {
                    tags.push(tag.to_owned());
                }
                true
            }
            Some(tags) => {
                tags.retain(|t| t != tag);
                true
            }
            None => false,
        };
        result.insert(cid, Value::from(if done { "true" } else { "false" }));
    }
    Ok(Answer::success_data(Value::Object(result)))
}

/// `GET /user/status/{cids}`.
pub(super) fn status(ctx: &Ctx<'_>) -> Res {
    let cids: Vec<&str> = ctx.param(0).split(',').filter(|c| !c.is_empty()).collect();
    if cids.is_empty() {
        return Err(Answer::empty("cid"));
    }
    if cids.len() > MAX_ITEMS {
        return Err(Answer::over_limit("cid"));
    }
    let inner = ctx.getui().lock();
    let mut result = Map::new();
    for cid in cids.into_iter().filter_map(|c| inner.registry.get(c)) {
        let (ago, status) = match cid.config.status {
            CidStatus::Online => (MINUTE_MS, "online"),
            CidStatus::Offline => (DAY_MS, "offline"),
            CidStatus::Inactive => (100 * DAY_MS, "offline"),
        };
        let login = (ctx.now_ms - ago).to_string();
        result.insert(cid.id.to_string(), json!({"last_login_time": login, "status": status}));
    }
    Ok(Answer::success_data(Value::Object(result)))
}
