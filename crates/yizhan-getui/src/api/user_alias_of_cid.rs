//! `GET /user/alias/cid/{cid}[?alias_type=]` — the alias bound to a cid (Getui REST v2 docs: user
//! API).

use serde::{Deserialize, Serialize};

use super::Method;

pub use super::common::AliasQuery as Query;

/// The endpoint path.
pub const PATH: &str = "/user/alias/cid/{cid}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;

/// The `data`: `{"alias": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The alias.
    pub alias: String,
}
