//! `POST /push/fast_custom_tag` — push to the users bound to one custom tag (Getui REST v2 docs:
//! push API).

use super::Method;
use crate::push::{Audience, PushMessage, PushRequest};

/// The endpoint path.
pub const PATH: &str = "/push/fast_custom_tag";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

push_body_request!(FastCustomTag, "one fast custom tag");

impl Request {
    /// A push of `push_message` to the users tagged `tag`, with a fresh `request_id`.
    pub fn new(tag: impl Into<String>, push_message: PushMessage) -> Self {
        Request(PushRequest::new(Audience::FastCustomTag(tag.into()), push_message))
    }
}

/// The `data`: `{"taskid": "..."}`.
pub type Response = super::TaskId;
