//! `GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET` — fetch an application access token.
//!
//! Source: WeCom docs: 获取access_token. The token is per application secret; it normally lives
//! 7200 s.

use serde::{Deserialize, Serialize};

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/gettoken";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Get;

/// Successful gettoken fields.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The access token (up to 512 bytes). Secret: never log it.
    #[serde(default)]
    pub access_token: String,
    /// Lifetime in seconds, normally 7200.
    #[serde(default)]
    pub expires_in: i64,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response").field("access_token", &"[redacted]").field("expires_in", &self.expires_in).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token() {
        let r = Response { access_token: "tok-123".into(), expires_in: 7200 };
        assert!(!format!("{r:?}").contains("tok-123"));
    }
}
