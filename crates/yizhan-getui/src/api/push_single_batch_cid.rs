//! `POST /push/single/batch/cid` — up to 200 single pushes in one call, each to one cid
//! (Getui REST v2 docs: push API). `data` is `{taskid: {cid: status}}` per item, and absent when
//! `is_async` is true (which is not a failure: docs/getui-client.md, mistake 18).

use serde::{Deserialize, Serialize};

use super::Method;
use super::common::validate_msg_list;
use crate::push::{AudienceShape, PushRequest};
use crate::validate::ValidationError;

/// The endpoint path.
pub const PATH: &str = "/push/single/batch/cid";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

/// The request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// `true`: Getui answers without per-cid results. Omitted (server default false) when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_async: Option<bool>,
    /// 1 to 200 push bodies, each to one cid, with distinct request ids.
    pub msg_list: Vec<PushRequest>,
}

impl Request {
    /// A synchronous batch of `msg_list`.
    pub fn new(msg_list: Vec<PushRequest>) -> Self {
        Request { is_async: None, msg_list }
    }

    /// Checks the list size, each item (audience: one cid) and request-id uniqueness; errors
    /// name `msg_list[i].…`. `now_ms` is the current time in ms since the epoch.
    pub fn validate(&self, now_ms: i64) -> Result<(), ValidationError> {
        validate_msg_list(&self.msg_list, AudienceShape::OneCid, now_ms)
    }
}

/// The `data`: `{taskid: {cid: status}}`, one taskid per item.
pub type Response = crate::status::TaskResults;
