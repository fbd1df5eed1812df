//! `POST /push/list/message` — create a list-push message (Getui REST v2 docs: push API). The body
//! is a push body **without** `audience`; the returned taskid is then used, as often as needed,
//! with `/push/list/cid` or `/push/list/alias`.
//!
//! `request_id` is sent here too: community SDKs treat it as optional for this endpoint, and
//! sending it lets Getui drop a retried create.

use super::Method;
use crate::push::{PushMessage, PushRequest};

/// The endpoint path.
pub const PATH: &str = "/push/list/message";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

push_body_request!(Absent, "absent");

impl Request {
    /// A list message with `push_message` and a fresh `request_id`.
    pub fn new(push_message: PushMessage) -> Self {
        Request(PushRequest::without_audience(push_message))
    }
}

/// The `data`: `{"taskid": "..."}`.
pub type Response = super::TaskId;
