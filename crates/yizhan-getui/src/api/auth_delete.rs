//! `DELETE /auth/{token}` — invalidate a token on purpose, e.g. after a leak (Getui REST v2 docs:
//! authentication). No body; success is `{"code":0,"msg":""}` without `data`.

use super::Method;

/// The endpoint path; `{token}` is the token to invalidate.
pub const PATH: &str = "/auth/{token}";
/// The endpoint method.
pub const METHOD: Method = Method::Delete;

/// The `data`: none.
pub type Response = super::NoData;
