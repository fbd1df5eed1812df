//! The cid registry: each cid's state and attributes, aliases and custom tags (mutable through
//! the user API, restored from the configuration by a reset), and tag-condition matching (Getui
//! REST v2 docs: push API).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::config::{CidConfig, CidStatus, GetuiConfig, MAX_CIDS_PER_ALIAS, PhoneType};
use super::envelope::Answer;
use super::validate::{get, opt_str};
use crate::inbox::Outcome;

/// The per-cid result of a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PushStatus {
    Online,
    Offline,
    Ignore,
}

impl PushStatus {
    /// The status a cid in `status` gets.
    pub(super) fn of(status: CidStatus) -> Self {
        match status {
            CidStatus::Online => Self::Online,
            CidStatus::Offline => Self::Offline,
            CidStatus::Inactive => Self::Ignore,
        }
    }

    /// The API spelling.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Online => "successed_online",
            Self::Offline => "successed_offline",
            Self::Ignore => "successed_ignore",
        }
    }

    /// What the inbox records: inactive cids are not delivered.
    pub(super) fn outcome(self) -> Outcome {
        match self {
            Self::Online | Self::Offline => Outcome::Delivered,
            Self::Ignore => Outcome::Dropped("inactive_90_days"),
        }
    }
}

/// One registered cid.
#[derive(Debug, Clone)]
pub(super) struct Cid {
    pub(super) id: Arc<str>,
    pub(super) config: CidConfig,
}

impl Cid {
    /// The push status of this cid.
    pub(super) fn push_status(&self) -> PushStatus {
        PushStatus::of(self.config.status)
    }

    fn values(&self, key: Key) -> Vec<&str> {
        match key {
            Key::PhoneType => vec![match self.config.phone_type {
                PhoneType::Android => "android",
                PhoneType::Ios => "ios",
            }],
            Key::Region => self.config.region.iter().map(String::as_str).collect(),
            Key::CustomTag => self.config.tags.iter().map(String::as_str).collect(),
            Key::Portrait => self.config.portrait.iter().map(String::as_str).collect(),
        }
    }

    /// Whether every condition holds for this cid.
    pub(super) fn matches(&self, conditions: &[Condition]) -> bool {
        conditions.iter().all(|c| {
            let have = self.values(c.key);
            let has = |v: &String| have.contains(&v.as_str());
            match c.opt {
                Opt::And => c.values.iter().all(has),
                Opt::Or => c.values.iter().any(has),
                Opt::Not => !c.values.iter().any(has),
            }
        })
    }
}

/// A condition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    PhoneType,
    Region,
    CustomTag,
    Portrait,
}

/// How a condition combines its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opt {
    And,
    Or,
    Not,
}

/// One `{"key","values","opt_type"}` condition of `audience.tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Condition {
    pub(super) key: Key,
    pub(super) values: Vec<String>,
    pub(super) opt: Opt,
}

/// Parses `audience.tag`: a non-empty array of conditions (20001 `tag ...` otherwise).
pub(super) fn conditions(audience: &Map<String, Value>) -> Result<Vec<Condition>, Answer> {
    let items = match get(audience, "tag") {
        None => return Err(Answer::empty("tag")),
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => return Err(Answer::empty("tag")),
        Some(_) => return Err(Answer::type_error("tag")),
    };
    items.iter().map(condition).collect()
}

fn condition(item: &Value) -> Result<Condition, Answer> {
    let map = item.as_object().ok_or_else(|| Answer::invalid("tag"))?;
    let key = match opt_str(map, "key")?.ok_or_else(|| Answer::empty("key"))? {
        "phone_type" => Key::PhoneType,
        "region" => Key::Region,
        "custom_tag" => Key::CustomTag,
        "portrait" => Key::Portrait,
        _ => return Err(Answer::invalid("key")),
    };
    let opt = match opt_str(map, "opt_type")?.ok_or_else(|| Answer::empty("opt_type"))? {
        "and" => Opt::And,
        "or" => Opt::Or,
        "not" => Opt::Not,
        _ => return Err(Answer::invalid("opt_type")),
    };
    let values = match get(map, "values") {
        Some(Value::Array(v)) if !v.is_empty() => v,
        Some(Value::Array(_)) | None => return Err(Answer::empty("values")),
        Some(_) => return Err(Answer::type_error("values")),
    };
    let values = values.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(|| Answer::type_error("values")));
    Ok(Condition { key, values: values.collect::<Result<_, _>>()?, opt })
}

/// Every cid with its aliases and tags.
#[derive(Debug, Clone)]
pub(super) struct Registry {
    cids: BTreeMap<String, Cid>,
    aliases: BTreeMap<String, Vec<String>>,
    alias_of: HashMap<String, String>,
}

impl Registry {
    /// The registry as configured.
    pub(super) fn new(config: &GetuiConfig) -> Self {
        let cids = config.cids.iter().map(|(id, c)| (id.clone(), Cid { id: id.as_str().into(), config: c.clone() }));
        let alias_of = config.aliases.iter().flat_map(|(a, cids)| cids.iter().map(|c| (c.clone(), a.clone())));
        Self { cids: cids.collect(), aliases: config.aliases.clone(), alias_of: alias_of.collect() }
    }

    /// A registered cid.
    pub(super) fn get(&self, cid: &str) -> Option<&Cid> {
        self.cids.get(cid)
    }

    /// The cids bound to `alias` (empty when unknown).
    pub(super) fn alias_cids(&self, alias: &str) -> &[String] {
        self.aliases.get(alias).map_or(&[], Vec::as_slice)
    }

    /// The alias of `cid`, if bound.
    pub(super) fn alias_of(&self, cid: &str) -> Option<&str> {
        self.alias_of.get(cid).map(String::as_str)
    }

    /// Every cid for which `keep` holds, in cid order.
    pub(super) fn select(&self, keep: impl Fn(&Cid) -> bool) -> Vec<&Cid> {
        self.cids.values().filter(|c| keep(c)).collect()
    }

    /// Binds `cid` to `alias`, unbinding its earlier alias. 20001 when the alias is full.
    pub(super) fn bind(&mut self, cid: &str, alias: &str) -> Result<(), Answer> {
        if self.alias_of(cid) == Some(alias) {
            return Ok(());
        }
        if self.alias_cids(alias).len() >= MAX_CIDS_PER_ALIAS {
            return Err(Answer::param(format!("alias {alias} bind cid size over limit")));
        }
        if let Some(old) = self.alias_of.get(cid).cloned() {
            self.unbind(cid, &old);
        }
        self.aliases.entry(alias.to_owned()).or_default().push(cid.to_owned());
        self.alias_of.insert(cid.to_owned(), alias.to_owned());
        Ok(())
    }

    /// Unbinds `cid` from `alias` (no-op when not bound to it).
    pub(super) fn unbind(&mut self, cid: &str, alias: &str) {
        if self.alias_of(cid) != Some(alias) {
            return;
        }
        self.alias_of.remove(cid);
        if let Some(cids) = self.aliases.get_mut(alias) {
            cids.retain(|c| c != cid);
            if cids.is_empty() {
                self.aliases.remove(alias);
            }
        }
    }

    /// Unbinds every cid of `alias`.
    pub(super) fn unbind_alias(&mut self, alias: &str) {
        for cid in self.aliases.remove(alias).unwrap_or_default() {
            self.alias_of.remove(&cid);
        }
    }

    /// The mutable tags of a registered cid.
    pub(super) fn tags_mut(&mut self, cid: &str) -> Option<&mut Vec<String>> {
        self.cids.get_mut(cid).map(|c| &mut c.config.tags)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conditions_match_defaults() {
        let registry = Registry::new(&GetuiConfig::default());
        let select = |tag: Value| {
            let conds = conditions(json!({ "tag": tag }).as_object().unwrap_or(&Map::new())).unwrap_or_default();
            registry.select(|c| c.matches(&conds)).iter().map(|c| c.id.to_string()).collect::<Vec<_>>()
        };
        assert_eq!(select(json!([{"key": "custom_tag", "values": ["vip", "beta"], "opt_type": "or"}])).len(), 2);
        assert_eq!(
            select(json!([{"key": "custom_tag", "values": ["vip", "beijing"], "opt_type": "and"}])),
            ["cid-alice"]
        );
        let not_vip = json!([{"key": "custom_tag", "values": ["vip"], "opt_type": "not"},
            {"key": "phone_type", "values": ["android"], "opt_type": "or"}]);
        assert_eq!(select(not_vip), ["cid-bob", "cid-old"]);
        let bad = json!({"tag": [{"key": "city", "values": ["1"], "opt_type": "or"}]});
        assert_eq!(
            conditions(bad.as_object().unwrap_or(&Map::new())).err().map(|a| a.msg.into_owned()).unwrap_or_default(),
            "key is invalid"
        );
    }

    #[test]
    fn aliases_rebind() {
        let mut r = Registry::new(&GetuiConfig::default());
        r.bind("cid-alice", "张三").unwrap_or_default();
        assert_eq!(r.alias_cids("alice"), [] as [String; 0]);
        assert_eq!(r.alias_of("cid-alice"), Some("张三"));
        r.unbind_alias("张三");
        assert_eq!(r.alias_of("cid-alice"), None);
    }
}
