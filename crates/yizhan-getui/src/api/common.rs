//! Body and `data` shapes that several endpoints share; each endpoint module re-exports the
//! ones it uses under its own names (`Request`, `Response`, `Query`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::push::limits::{ALIAS_MAX, AUDIENCE_MAX, CID_MAX, MSG_LIST_MAX};
use crate::push::{AudienceShape, PushRequest, validate_ids};
use crate::validate::{self as v, ValidationError};

/// `{"taskid": "..."}`: the `data` of `/push/list/message`, `/push/all`, `/push/tag` and
/// `/push/fast_custom_tag`. Treat the taskid as opaque (`RASA_…`, `RASL-…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskId {
    /// The task id.
    pub taskid: String,
}

/// The `data` of an endpoint that returns none (`{"code":0,"msg":"success"}`). Decoding accepts
/// and ignores any value, so an unexpected `{}` or `"ok"` does not turn a success into an error;
/// with [`super::Envelope`] an absent or `null` `data` is simply `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoData;

impl Serialize for NoData {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for NoData {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| NoData)
    }
}

/// `?alias_type=…` for the alias lookups and unbind-all; omitted when `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasQuery {
    /// The alias type, if aliases are typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_type: Option<String>,
}

/// `{"cid": [...]}`: the body of the batch tag endpoints and the `data` of
/// `/user/cid/alias/{alias}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidList {
    /// Client ids.
    #[serde(default)]
    pub cid: Vec<String>,
}

impl CidList {
    /// A list of `cids`.
    pub fn new<S: Into<String>>(cids: impl IntoIterator<Item = S>) -> Self {
        CidList { cid: cids.into_iter().map(Into::into).collect() }
    }

    /// 1 to 1000 distinct, well-formed cids; errors name `cid[i]`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_ids("cid", &self.cid, CID_MAX)
    }
}

/// `{"<cid>": "true" | "false"}`: the per-cid outcome of a batch tag bind or unbind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TagBatchResult(pub BTreeMap<String, String>);

impl TagBatchResult {
    /// True when Getui reported `"true"` for `cid`.
    pub fn succeeded(&self, cid: &str) -> bool {
        self.0.get(cid).is_some_and(|v| v == "true")
    }

    /// The cids whose value is anything but `"true"`.
    pub fn failed(&self) -> Vec<&str> {
        self.0.iter().filter(|(_, v)| *v != "true").map(|(cid, _)| cid.as_str()).collect()
    }
}

/// `{"cid": "...", "alias": "..."}`: one binding in `/user/alias` bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidAlias {
    /// The client id.
    pub cid: String,
    /// Its alias: letters (case-sensitive), digits, `_`, Chinese; fewer than 40 characters.
    pub alias: String,
}

impl CidAlias {
    /// A binding of `cid` to `alias`.
    pub fn new(cid: impl Into<String>, alias: impl Into<String>) -> Self {
        CidAlias { cid: cid.into(), alias: alias.into() }
    }
}

/// Most cids one alias may have (Getui REST v2 docs: user API).
pub(crate) const CIDS_PER_ALIAS: usize = 10;

/// `data_list`: 1 to 1000 well-formed pairs, each cid once, each alias on at most 10 cids.
pub(crate) fn validate_data_list(list: &[CidAlias]) -> Result<(), ValidationError> {
    v::count("data_list", list.len(), 1, AUDIENCE_MAX)?;
    let mut per_alias: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, pair) in list.iter().enumerate() {
        let item = v::item("data_list", i);
        v::identifier(&v::at(&item, "cid"), &pair.cid, CID_MAX)?;
        v::identifier(&v::at(&item, "alias"), &pair.alias, ALIAS_MAX)?;
        let n = per_alias.entry(&pair.alias).or_default();
        *n += 1;
        if *n > CIDS_PER_ALIAS {
            return Err(ValidationError::new(
                v::at(&item, "alias"),
                format_args!("{:?} is bound to more than {CIDS_PER_ALIAS} cids", pair.alias),
            ));
        }
    }
    let cids: Vec<&str> = list.iter().map(|p| p.cid.as_str()).collect();
    v::unique("data_list", cids).map_err(|e| ValidationError::new(format!("{}.cid", e.field), e.problem))
}

/// `msg_list` of a batch single push: 1 to 200 items, each of `shape` and valid, with distinct
/// request ids (a repeated id is silently dropped by Getui). Errors name `msg_list[i].…`.
pub(crate) fn validate_msg_list(
    list: &[PushRequest],
    shape: AudienceShape,
    now_ms: i64,
) -> Result<(), ValidationError> {
    v::count("msg_list", list.len(), 1, MSG_LIST_MAX)?;
    for (i, push) in list.iter().enumerate() {
        let prefix = v::item("msg_list", i);
        shape.check(push.audience.as_ref()).map_err(|e| e.within(&prefix))?;
        push.validate(now_ms).map_err(|e| e.within(&prefix))?;
    }
    let ids: Vec<&str> = list.iter().map(|p| p.request_id.as_str()).collect();
    v::unique("msg_list", ids).map_err(|e| ValidationError::new(format!("{}.request_id", e.field), e.problem))
}
