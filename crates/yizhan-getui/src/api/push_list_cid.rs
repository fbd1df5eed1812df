//! `POST /push/list/cid` — send a `/push/list/message` task to up to 1000 cids (Getui REST v2 docs:
//! push API). Reuse one taskid for every chunk of a large list (docs/getui-client.md, mistake 6).

use serde::{Deserialize, Serialize};

use super::Method;
use crate::push::limits::TASK_ID_MAX;
use crate::push::{Audience, AudienceShape};
use crate::validate::{self as v, ValidationError};

/// The endpoint path.
pub const PATH: &str = "/push/list/cid";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `{"cid": [...]}`, 1 to 1000 distinct cids.
    pub audience: Audience,
    /// The taskid returned by `/push/list/message`.
    pub taskid: String,
    /// `true`: Getui answers without per-cid results. Omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_async: Option<bool>,
}

impl Request {
    /// A synchronous send of `taskid` to `cids`.
    pub fn new<S: Into<String>>(taskid: impl Into<String>, cids: impl IntoIterator<Item = S>) -> Self {
        Request { audience: Audience::cids(cids), taskid: taskid.into(), is_async: None }
    }

    /// Checks the audience (a cid list of 1 to 1000 distinct cids) and the taskid.
    pub fn validate(&self) -> Result<(), ValidationError> {
        AudienceShape::Cids.check(Some(&self.audience))?;
        self.audience.validate()?;
        v::identifier("taskid", &self.taskid, TASK_ID_MAX)
    }
}

/// The `data`: `{taskid: {cid: status}}`; absent when `is_async` is true.
pub type Response = crate::status::TaskResults;
