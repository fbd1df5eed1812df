//! `DELETE /user/custom_tag/batch/{custom_tag}` — remove one custom tag from up to 1000
//! cids (Getui REST v2 docs: user API). Incremental and applied asynchronously; 100 calls a minute,
//! 10 000 a day. `data` maps each cid to `"true"` or `"false"`.

use super::Method;

pub use super::common::{CidList as Request, TagBatchResult as Response};

/// The endpoint path; `{custom_tag}` must be percent-encoded.
pub const PATH: &str = "/user/custom_tag/batch/{custom_tag}";
/// The endpoint method.
pub const METHOD: Method = Method::Delete;
