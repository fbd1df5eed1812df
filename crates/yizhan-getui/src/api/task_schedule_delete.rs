//! `DELETE /task/schedule/{taskid}` — delete a scheduled task that has not fired (Getui REST v2
//! docs: task API).
//!
//! Not possible within a minute of its send time (use [`super::task_stop`] then). An executed
//! task gives 400/22001. Success is `{"code":0,"msg":"success"}` without `data`.

use super::Method;

/// The endpoint path.
pub const PATH: &str = "/task/schedule/{taskid}";
/// The endpoint method.
pub const METHOD: Method = Method::Delete;

/// The `data`: none.
pub type Response = super::NoData;
