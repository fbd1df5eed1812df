//! Wire types, one endpoint per file (Getui REST v2 docs). Plain serde types; no I/O.
//!
//! Every module has `PATH` (the documented template relative to
//! `https://restapi.getui.com/v2/{appId}`; `{name}` segments are filled in, percent-encoded and,
//! for lists, comma-joined by the client) and `METHOD`, plus `Request`/`Response`/`Query` types
//! where the endpoint has them. A `Response` is the `data` of the [`Envelope`]; endpoints that
//! return no data have `Response = NoData`.
//!
//! | endpoint | module | body | `data` |
//! |---|---|---|---|
//! | `POST /auth` | [`auth`] | sign, timestamp, appkey | `{expire_time, token}` |
//! | `DELETE /auth/{token}` | [`auth_delete`] | — | — |
//! | `POST /push/single/cid` | [`push_single_cid`] | PushRequest (one cid) | [`TaskResults`](crate::status::TaskResults) |
//! | `POST /push/single/alias` | [`push_single_alias`] | PushRequest (one alias) | `TaskResults` |
//! | `POST /push/single/batch/cid` | [`push_single_batch_cid`] | `{is_async, msg_list ≤ 200}` | `TaskResults` |
//! | `POST /push/single/batch/alias` | [`push_single_batch_alias`] | `{is_async, msg_list ≤ 200}` | `TaskResults` |
//! | `POST /push/list/message` | [`push_list_message`] | PushRequest (no audience) | `{taskid}` |
//! | `POST /push/list/cid` | [`push_list_cid`] | `{audience ≤ 1000 cids, taskid, is_async}` | `TaskResults` |
//! | `POST /push/list/alias` | [`push_list_alias`] | `{audience ≤ 1000 aliases, taskid, …}` | `TaskResults` |
//! | `POST /push/all` | [`push_all`] | PushRequest (`"all"`) | `{taskid}` |
//! | `POST /push/tag` | [`push_tag`] | PushRequest (tag conditions) | `{taskid}` |
//! | `POST /push/fast_custom_tag` | [`push_fast_custom_tag`] | PushRequest (one tag) | `{taskid}` |
//! | `DELETE /task/{taskid}` | [`task_stop`] | — | — |
//! | `GET /task/schedule/{taskid}` | [`task_schedule_query`] | — | `{taskid: {send_result \| status, …}}` |
//! | `DELETE /task/schedule/{taskid}` | [`task_schedule_delete`] | — | — |
//! | `GET /task/detail/{cid}/{taskid}` | [`task_detail`] | — | `{detail \| deatil: […]}` |
//! | `POST /user/alias` | [`user_alias_bind`] | `{data_list ≤ 1000, alias_type}` | — |
//! | `DELETE /user/alias` | [`user_alias_unbind`] | `{data_list ≤ 1000}` | — |
//! | `DELETE /user/alias/{alias}` | [`user_alias_unbind_all`] | — | — |
//! | `GET /user/alias/cid/{cid}` | [`user_alias_of_cid`] | — | `{alias}` |
//! | `GET /user/cid/alias/{alias}` | [`user_cids_of_alias`] | — | `{cid: […]}` |
//! | `POST /user/custom_tag/cid/{cid}` | [`user_custom_tag_bind`] | `{custom_tag ≤ 100}` | — |
//! | `GET /user/custom_tag/cid/{cid}` | [`user_custom_tag_query`] | — | `{cid: ["t1 t2"]}` |
//! | `PUT /user/custom_tag/batch/{custom_tag}` | [`user_custom_tag_batch_bind`] | `{cid ≤ 1000}` | `{cid: "true"}` |
//! | `DELETE /user/custom_tag/batch/{custom_tag}` | [`user_custom_tag_batch_unbind`] | `{cid ≤ 1000}` | `{cid: "true"}` |
//! | `GET /user/status/{cids}` | [`user_status`] | — | `{cid: {last_login_time, status}}` |
//! | `GET /report/push/task/{taskids}` | [`report_task`] | — | `{taskid: report}` |
//! | `GET /report/push/date/{date}` | [`report_daily`] | — | `{date: report}` |

use serde::{Deserialize, Serialize};

/// Declares `pub struct Request(pub PushRequest)` for an endpoint whose body is a push body with
/// one audience shape, with `validate(&self, now_ms)` checking that shape first.
macro_rules! push_body_request {
    ($shape:ident, $what:literal) => {
        #[doc = concat!("The push body; its audience must be ", $what, ".")]
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct Request(pub crate::push::PushRequest);

        impl Request {
            #[doc = concat!("Checks that the audience is ", $what, ", then everything ")]
            /// [`PushRequest::validate`](crate::push::PushRequest::validate) checks; `now_ms` is
            /// the current time in ms since the epoch.
            pub fn validate(&self, now_ms: i64) -> Result<(), crate::validate::ValidationError> {
                crate::push::AudienceShape::$shape.check(self.0.audience.as_ref())?;
                self.0.validate(now_ms)
            }
        }

        impl From<Request> for crate::push::PushRequest {
            fn from(request: Request) -> Self {
                request.0
            }
        }
    };
}

pub mod auth;
pub mod auth_delete;
mod common;
pub mod de;
pub mod push_all;
pub mod push_fast_custom_tag;
pub mod push_list_alias;
pub mod push_list_cid;
pub mod push_list_message;
pub mod push_single_alias;
pub mod push_single_batch_alias;
pub mod push_single_batch_cid;
pub mod push_single_cid;
pub mod push_tag;
pub mod report_daily;
pub mod report_task;
pub mod ser;
pub mod task_detail;
pub mod task_schedule_delete;
pub mod task_schedule_query;
pub mod task_stop;
pub mod user_alias_bind;
pub mod user_alias_of_cid;
pub mod user_alias_unbind;
pub mod user_alias_unbind_all;
pub mod user_cids_of_alias;
pub mod user_custom_tag_batch_bind;
pub mod user_custom_tag_batch_unbind;
pub mod user_custom_tag_bind;
pub mod user_custom_tag_query;
pub mod user_status;

pub use common::{AliasQuery, CidAlias, CidList, NoData, TagBatchResult, TaskId};

/// The Getui response envelope `{"code": N, "msg": "...", "data": ...}` (Getui REST v2 docs:
/// response format).
///
/// `code == 0` is success. Error bodies arrive with HTTP 400/401/403 and still decode here.
/// `data` may be absent or `null` (errors, async pushes, endpoints without data): it is then
/// `None`, which is not a failure (docs/getui-client.md, mistake 18).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// 0 on success; see the error code table (Getui REST v2 docs: return codes).
    pub code: i64,
    /// Human-readable text, e.g. `target user is invalid`; empty or `success` on success.
    #[serde(default)]
    pub msg: String,
    /// The endpoint's payload. (`default = "Option::default"` rather than plain `default`, so
    /// that `T` needs no `Default` bound.)
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T> Envelope<T> {
    /// True when `code == 0`.
    pub fn is_success(&self) -> bool {
        self.code == 0
    }
}

/// An HTTP method, for endpoint descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST` with a JSON body.
    Post,
    /// `PUT` with a JSON body.
    Put,
    /// `DELETE`, sometimes with a JSON body (`/user/alias`, `/user/custom_tag/batch/…`).
    Delete,
}

impl Method {
    /// The method name, e.g. `"DELETE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}
