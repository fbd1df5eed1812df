//! Wire types, one endpoint per file. Plain serde structs; no I/O.
//!
//! Every WeCom response is HTTP 200 with `{"errcode": N, "errmsg": "..."}` plus the endpoint's
//! own fields; `errcode == 0` is success. [`Envelope`] decodes the status and the body together.

pub mod appchat;
pub mod department_list;
pub mod gettoken;
pub mod media_upload;
pub mod media_uploadimg;
pub mod message_recall;
pub mod message_send;
pub mod message_statistics;
pub mod update_template_card;
pub mod user_list;
pub mod webhook_send;
pub mod webhook_upload_media;

use serde::{Deserialize, Serialize};

/// The WeCom response envelope: status fields plus the endpoint's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// 0 on success; see [`crate::errcode`].
    #[serde(default)]
    pub errcode: i64,
    /// Human-readable text; never decide on it (WeCom says it may change).
    #[serde(default)]
    pub errmsg: String,
    /// The endpoint's fields. Every field has a default so error bodies still decode.
    #[serde(flatten)]
    pub body: T,
}

/// An HTTP method, for endpoint descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST` with a JSON body.
    Post,
    /// `POST` with a `multipart/form-data` body.
    PostMultipart,
}

/// The body of answers that carry nothing but `errcode` and `errmsg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}
