//! `GET /user/cid/alias/{alias}[?alias_type=]` — the cids bound to an alias (Getui REST v2 docs:
//! user API).

use super::Method;

pub use super::common::AliasQuery as Query;

/// The endpoint path; `{alias}` must be percent-encoded.
pub const PATH: &str = "/user/cid/alias/{alias}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;

/// The `data`: `{"cid": [...]}` (at most 10).
pub type Response = super::CidList;
