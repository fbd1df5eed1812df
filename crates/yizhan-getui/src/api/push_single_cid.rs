//! `POST /push/single/cid` — push to exactly one cid (Getui REST v2 docs: push API).
//!
//! `data` is `{taskid: {cid: status}}`. An unknown or foreign cid is HTTP 400, code 20001,
//! `target user is invalid`.

use super::Method;
use crate::push::{Audience, PushMessage, PushRequest};

/// The endpoint path.
pub const PATH: &str = "/push/single/cid";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

push_body_request!(OneCid, "exactly one cid");

impl Request {
    /// A push of `push_message` to `cid` with a fresh `request_id`.
    pub fn new(cid: impl Into<String>, push_message: PushMessage) -> Self {
        Request(PushRequest::new(Audience::cid(cid), push_message))
    }
}

/// The `data`: `{taskid: {cid: status}}`.
pub type Response = crate::status::TaskResults;
