//! The emulated corp directory (users, parties, tags) and recipient parsing and resolution.
//!
//! `touser`/`toparty`/`totag` are `|`-joined id lists; spaces around ids are trimmed and empty
//! entries ignored. Users match case-insensitively, parties and tags expand to their members, the
//! union is deduplicated in request order. `@all` in `touser` means every user and makes `toparty`
//! and `totag` irrelevant. Unknown ids are reported (user ids lower-cased).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::errmsg::Rejection;
use crate::config::WecomConfig;

/// At most this many user ids per request (40031 beyond).
pub(crate) const MAX_USERS: usize = 1000;
/// At most this many party ids per request (82002 beyond).
pub(crate) const MAX_PARTIES: usize = 100;
/// At most this many tag ids per request (82003 beyond).
pub(crate) const MAX_TAGS: usize = 100;

/// Users, parties and tags by id.
#[derive(Debug)]
pub(crate) struct Directory {
    users: Vec<Arc<str>>,
    by_lower: HashMap<String, usize>,
    parties: HashMap<String, Vec<usize>>,
    tags: HashMap<String, Vec<usize>>,
}

/// The recipient lists of one request, split and trimmed.
#[derive(Debug, Default)]
pub(crate) struct Targets<'a> {
    users: Vec<Cow<'a, str>>,
    parties: Vec<Cow<'a, str>>,
    tags: Vec<Cow<'a, str>>,
}

/// Who a request reaches and which ids were not recognised.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Resolution {
    /// Directory indexes of the recipients, deduplicated, in request order.
    pub(crate) users: Vec<usize>,
    /// Unknown user ids, lower-cased.
    pub(crate) invalid_users: Vec<String>,
    /// Unknown party ids.
    pub(crate) invalid_parties: Vec<String>,
    /// Unknown tag ids.
    pub(crate) invalid_tags: Vec<String>,
}

impl Directory {
    /// Indexes the configured directory. Group members missing from `users` are skipped.
    pub(crate) fn new(config: &WecomConfig) -> Self {
        let users: Vec<Arc<str>> = config.users.iter().map(|u| Arc::from(u.as_str())).collect();
        let by_lower: HashMap<String, usize> =
            config.users.iter().enumerate().map(|(i, u)| (u.to_lowercase(), i)).collect();
        let groups = |map: &std::collections::BTreeMap<String, Vec<String>>| {
            map.iter()
                .map(|(id, members)| {
                    let idx = members.iter().filter_map(|m| by_lower.get(&m.to_lowercase()).copied()).collect();
                    (id.trim().to_owned(), idx)
                })
                .collect::<HashMap<String, Vec<usize>>>()
        };
        let (parties, tags) = (groups(&config.parties), groups(&config.tags));
        Self { users, by_lower, parties, tags }
    }

    /// The ids of every party.
    pub(crate) fn party_ids(&self) -> impl Iterator<Item = &str> {
        self.parties.keys().map(String::as_str)
    }

    /// The members of party `id`, if it exists.
    pub(crate) fn party_members(&self, id: &str) -> Option<&[usize]> {
        self.parties.get(id.trim()).map(Vec::as_slice)
    }

    /// The ids of the parties user `index` is in.
    pub(crate) fn parties_of(&self, index: usize) -> impl Iterator<Item = &str> {
        self.parties.iter().filter(move |(_, members)| members.contains(&index)).map(|(id, _)| id.as_str())
    }

    /// The configured spelling of user `index`.
    pub(crate) fn user(&self, index: usize) -> &Arc<str> {
        &self.users[index]
    }

    /// The index of user `id` (case-insensitive), or its lower-cased spelling when unknown.
    pub(crate) fn find_user(&self, id: &str) -> Result<usize, String> {
        if !id.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii())
            && let Some(&i) = self.by_lower.get(id)
        {
            return Ok(i);
        }
        let lower = id.to_lowercase();
        self.by_lower.get(&lower).copied().ok_or(lower)
    }

    /// Resolves parsed targets against the directory.
    pub(crate) fn resolve(&self, targets: &Targets<'_>) -> Resolution {
        let mut seen = vec![false; self.users.len()];
        let mut out = Resolution::default();
        let mut add = |out: &mut Resolution, i: usize| {
            if !std::mem::replace(&mut seen[i], true) {
                out.users.push(i);
            }
        };
        if targets.users.iter().any(|u| u == "@all") {
            (0..self.users.len()).for_each(|i| add(&mut out, i));
            return out;
        }
        for id in &targets.users {
            match self.find_user(id) {
                Ok(i) => add(&mut out, i),
                Err(lower) if !out.invalid_users.contains(&lower) => out.invalid_users.push(lower),
                Err(_) => {}
            }
        }
        for (ids, groups, invalid) in [
            (&targets.parties, &self.parties, &mut out.invalid_parties),
            (&targets.tags, &self.tags, &mut out.invalid_tags),
        ] {
            for id in ids {
                match groups.get(id.as_ref()) {
                    Some(members) => members.iter().for_each(|&i| {
                        if !std::mem::replace(&mut seen[i], true) {
                            out.users.push(i);
                        }
                    }),
                    None if !invalid.iter().any(|x| x == id) => invalid.push(id.to_string()),
                    None => {}
                }
            }
        }
        out
    }
}

/// Reads `touser`, `toparty` and `totag` and checks their sizes (82001, 40031, 82002, 82003).
pub(crate) fn parse_targets(body: &Map<String, Value>) -> Result<Targets<'_>, Rejection> {
    let targets =
        Targets { users: field(body, "touser")?, parties: field(body, "toparty")?, tags: field(body, "totag")? };
    if targets.users.is_empty() && targets.parties.is_empty() && targets.tags.is_empty() {
        return Err(Rejection::new(82001));
    }
    if targets.users.len() > MAX_USERS {
        return Err(Rejection::with_text(40031, "invalid userid list, touser exceeds 1000 userids"));
    }
    if targets.parties.len() > MAX_PARTIES {
        return Err(Rejection::new(82002));
    }
    if targets.tags.len() > MAX_TAGS {
        return Err(Rejection::new(82003));
    }
    Ok(targets)
}

fn field<'a>(body: &'a Map<String, Value>, name: &str) -> Result<Vec<Cow<'a, str>>, Rejection> {
    let ids = |s: &'a str| s.split('|').map(str::trim).filter(|s| !s.is_empty());
    match body.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(ids(s).map(Cow::Borrowed).collect()),
        Some(Value::Number(n)) => Ok(vec![Cow::Owned(n.to_string())]),
        Some(_) => Err(Rejection::with_text(40035, format!("invalid Request Parameter, {name} must be a string"))),
    }
}

/// Joins ids with `|`.
pub(crate) fn join(ids: &[String]) -> String {
    ids.join("|")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn resolve(body: Value) -> Result<Resolution, Rejection> {
        let dir = Directory::new(&WecomConfig::default());
        let map = body.as_object().cloned().unwrap_or_default();
        parse_targets(&map).map(|t| dir.resolve(&t))
    }

    #[test]
    fn users_parties_tags_union() {
        let r = resolve(json!({"touser": " Bob | zed|ZED|", "toparty": "2|9", "totag": 1})).expect("ok");
        assert_eq!(r.users, [1, 0, 2, 3]);
        assert_eq!(r.invalid_users, ["zed"]);
        assert_eq!(r.invalid_parties, ["9"]);
        assert!(r.invalid_tags.is_empty());
    }

    #[test]
    fn at_all_ignores_groups() {
        let r = resolve(json!({"touser": "@all", "toparty": "404"})).expect("ok");
        assert_eq!(r, Resolution { users: vec![0, 1, 2, 3], ..Resolution::default() });
    }

    #[test]
    fn size_limits() {
        let code = |v| resolve(v).map(|_| 0).unwrap_or_else(|r| r.code);
        assert_eq!(code(json!({"touser": " | "})), 82001);
        assert_eq!(code(json!({"touser": vec!["u"; 1001].join("|")})), 40031);
        assert_eq!(code(json!({"touser": vec!["u"; 1000].join("|")})), 0);
        assert_eq!(code(json!({"toparty": vec!["1"; 101].join("|")})), 82002);
        assert_eq!(code(json!({"totag": vec!["1"; 101].join("|")})), 82003);
        assert_eq!(code(json!({"touser": ["alice"]})), 40035);
    }
}
