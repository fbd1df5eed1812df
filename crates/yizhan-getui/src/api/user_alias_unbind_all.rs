//! `DELETE /user/alias/{alias}[?alias_type=]` — unbind every cid of an alias (Getui REST v2 docs:
//! user API). No body; success has no `data`.

use super::Method;

pub use super::common::AliasQuery as Query;

/// The endpoint path; `{alias}` must be percent-encoded.
pub const PATH: &str = "/user/alias/{alias}";
/// The endpoint method.
pub const METHOD: Method = Method::Delete;

/// The `data`: none.
pub type Response = super::NoData;
