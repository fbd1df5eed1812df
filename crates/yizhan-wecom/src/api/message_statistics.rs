//! `POST /cgi-bin/message/get_statistics?access_token=TOKEN` — delivered person-times per app
//! today or yesterday (doc 92369), to watch the daily quota of seats × 200.

use serde::{Deserialize, Serialize};

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/message/get_statistics";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Post;

/// The request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// 0 today, 1 yesterday.
    pub time_type: u8,
}

/// One app's count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatistics {
    /// The app.
    #[serde(default)]
    pub agentid: i64,
    /// Its display name.
    #[serde(default)]
    pub app_name: String,
    /// Successful person-times.
    #[serde(default)]
    pub count: u64,
}

/// The answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// One entry per app.
    #[serde(default)]
    pub statistics: Vec<AppStatistics>,
}
