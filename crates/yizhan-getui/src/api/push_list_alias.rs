//! `POST /push/list/alias` — send a `/push/list/message` task to up to 1000 aliases
//! (Getui REST v2 docs: push API).
//!
//! `data` is `{taskid: {cid: status}}` ([`Response`]); with `is_async` false and
//! `need_alias_detail` true it is `{taskid: {alias: {cid: status}}}` ([`AliasDetailResponse`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Method;
use crate::push::limits::TASK_ID_MAX;
use crate::push::{Audience, AudienceShape};
use crate::status::CidStatus;
use crate::validate::{self as v, ValidationError};

/// The endpoint path.
pub const PATH: &str = "/push/list/alias";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `{"alias": [...], "alias_type"?: ...}`, 1 to 1000 distinct aliases.
    pub audience: Audience,
    /// The taskid returned by `/push/list/message`.
    pub taskid: String,
    /// `true`: Getui answers without per-cid results. Omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_async: Option<bool>,
    /// `true`: group the results by alias ([`AliasDetailResponse`]). Omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_alias_detail: Option<bool>,
}

impl Request {
    /// A synchronous send of `taskid` to `aliases` (default alias type).
    pub fn new<S: Into<String>>(taskid: impl Into<String>, aliases: impl IntoIterator<Item = S>) -> Self {
        Request { audience: Audience::aliases(aliases), taskid: taskid.into(), is_async: None, need_alias_detail: None }
    }

    /// True when the `data` has the [`AliasDetailResponse`] shape.
    pub fn expects_alias_detail(&self) -> bool {
        self.need_alias_detail == Some(true) && self.is_async != Some(true)
    }

    /// Checks the audience (an alias list of 1 to 1000 distinct aliases) and the taskid.
    pub fn validate(&self) -> Result<(), ValidationError> {
        AudienceShape::Aliases.check(Some(&self.audience))?;
        self.audience.validate()?;
        v::identifier("taskid", &self.taskid, TASK_ID_MAX)
    }
}

/// The default `data`: `{taskid: {cid: status}}`.
pub type Response = crate::status::TaskResults;

/// The `data` with `need_alias_detail`: `{taskid: {alias: {cid: status}}}`.
pub type AliasDetailResponse = BTreeMap<String, BTreeMap<String, BTreeMap<String, CidStatus>>>;
