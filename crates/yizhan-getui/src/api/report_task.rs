//! `GET /report/push/task/{taskids}` — delivery statistics of up to 200 list/app tasks from the
//! last 90 days, comma-joined in the path (Getui REST v2 docs: reports).
//!
//! Counts may arrive as numbers or numeric strings (docs/getui-client.md, mistake 19); both decode.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Method, de};

/// The endpoint path; `{taskids}` is a comma-joined list.
pub const PATH: &str = "/report/push/task/{taskids}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;
/// Most taskids per call.
pub const MAX_TASKIDS: usize = 200;

/// Optional query parameters; omitted when `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Custom event ids to count, comma-joined (`actionIdList=a,b`).
    #[serde(rename = "actionIdList", default, skip_serializing_if = "Option::is_none")]
    pub action_id_list: Option<String>,
    /// `true` to split the Getui channel by phone brand.
    #[serde(rename = "needGetuiByBrand", default, skip_serializing_if = "Option::is_none")]
    pub need_getui_by_brand: Option<bool>,
}

/// The counters of one channel (or of the total). Every counter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Messages (total only).
    #[serde(default, deserialize_with = "de::opt_i64_lenient", skip_serializing_if = "Option::is_none")]
    pub msg_num: Option<i64>,
    /// Targeted users.
    #[serde(default, deserialize_with = "de::opt_i64_lenient", skip_serializing_if = "Option::is_none")]
    pub target_num: Option<i64>,
    /// Received.
    #[serde(default, deserialize_with = "de::opt_i64_lenient", skip_serializing_if = "Option::is_none")]
    pub receive_num: Option<i64>,
    /// Displayed.
    #[serde(default, deserialize_with = "de::opt_i64_lenient", skip_serializing_if = "Option::is_none")]
    pub display_num: Option<i64>,
    /// Clicked.
    #[serde(default, deserialize_with = "de::opt_i64_lenient", skip_serializing_if = "Option::is_none")]
    pub click_num: Option<i64>,
}

/// The statistics of one task (or one day, see [`super::report_daily`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReport {
    /// All channels together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Counts>,
    /// The Getui channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<Counts>,
    /// Custom event counts, `{actionId: n}`.
    #[serde(
        rename = "actionCntMap",
        default,
        deserialize_with = "de::opt_map_i64_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub action_cnt_map: Option<BTreeMap<String, i64>>,
    /// Every other channel by key: `ios`/`apn`, `hw`, `xm`, `vv`, `op`, `mz`, `st`, ….
    #[serde(flatten)]
    pub channels: BTreeMap<String, Counts>,
}

/// The `data`: `{taskid: report}`.
pub type Response = BTreeMap<String, PushReport>;
