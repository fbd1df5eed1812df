//! `POST /push/all` — push to every user of the app (Getui REST v2 docs: push API). The audience is
//! the bare string `"all"`, and only when asked for by name: there is no default audience
//! (docs/getui-client.md, mistake 13). Limited to a few calls a minute and a day (30007, 30010,
//! 30014).

use super::Method;
use crate::push::{Audience, PushMessage, PushRequest};

/// The endpoint path.
pub const PATH: &str = "/push/all";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

push_body_request!(All, "\"all\"");

impl Request {
    /// A broadcast of `push_message` with a fresh `request_id`.
    pub fn new(push_message: PushMessage) -> Self {
        Request(PushRequest::new(Audience::All, push_message))
    }
}

/// The `data`: `{"taskid": "..."}`.
pub type Response = super::TaskId;
