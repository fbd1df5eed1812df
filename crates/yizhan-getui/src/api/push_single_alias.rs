//! `POST /push/single/alias` — push to exactly one alias (Getui REST v2 docs: push API). An alias
//! maps to up to 10 cids, so `data` may hold several cids under the one taskid.

use super::Method;
use crate::push::{Audience, PushMessage, PushRequest};

/// The endpoint path.
pub const PATH: &str = "/push/single/alias";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

push_body_request!(OneAlias, "exactly one alias");

impl Request {
    /// A push of `push_message` to `alias` (default alias type) with a fresh `request_id`.
    pub fn new(alias: impl Into<String>, push_message: PushMessage) -> Self {
        Request(PushRequest::new(Audience::alias(alias), push_message))
    }
}

/// The `data`: `{taskid: {cid: status}}`.
pub type Response = crate::status::TaskResults;
