//! `GET /user/status/{cids}` — online status of up to 1000 cids, comma-joined in the path
//! (Getui REST v2 docs: user API).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Method, de, ser};
use crate::status::string_enum;

/// The endpoint path; `{cids}` is a comma-joined list.
pub const PATH: &str = "/user/status/{cids}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;
/// Most cids per call.
pub const MAX_CIDS: usize = 1000;

string_enum! {
    /// Whether a cid is connected to Getui.
    pub enum OnlineStatus {
        /// `online`
        Online => "online",
        /// `offline`
        Offline => "offline",
    }
}

/// The status of one cid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStatus {
    /// Last login, ms since the epoch (Getui sends a string).
    #[serde(
        default,
        deserialize_with = "de::opt_i64_lenient",
        serialize_with = "ser::opt_i64_as_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_login_time: Option<i64>,
    /// `online`, `offline`, or something new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OnlineStatus>,
}

/// The `data`: `{cid: status}`.
pub type Response = BTreeMap<String, UserStatus>;
