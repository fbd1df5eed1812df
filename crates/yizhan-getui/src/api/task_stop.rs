//! `DELETE /task/{taskid}` — stop a list or app task that is still pushing (Getui REST v2 docs:
//! task API).
//!
//! Only list (`/push/list/…`) and app (`/push/all`, `/push/tag`, …) tasks; only the Getui
//! channel's offline queue (vendor and APNs offline copies are not recalled). Not the same as
//! deleting a schedule: that is [`super::task_schedule_delete`] (docs/getui-client.md, mistake 7).
//! Success is `{"code":0,"msg":"success"}` without `data`.

use super::Method;

/// The endpoint path.
pub const PATH: &str = "/task/{taskid}";
/// The endpoint method.
pub const METHOD: Method = Method::Delete;

/// The `data`: none.
pub type Response = super::NoData;
