//! `POST /push/tag` — push to the users matching tag conditions (Getui REST v2 docs: push API).
//! Shares the daily and per-minute limits of `/push/all`.

use super::Method;
use crate::push::{Audience, Condition, PushMessage, PushRequest};

/// The endpoint path.
pub const PATH: &str = "/push/tag";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

push_body_request!(Tag, "tag conditions");

impl Request {
    /// A push of `push_message` to the users matching every condition, with a fresh `request_id`.
    pub fn new(conditions: Vec<Condition>, push_message: PushMessage) -> Self {
        Request(PushRequest::new(Audience::Tag(conditions), push_message))
    }
}

/// The `data`: `{"taskid": "..."}`.
pub type Response = super::TaskId;
