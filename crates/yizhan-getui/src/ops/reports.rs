//! Reports: per task (list and app tasks, last 90 days) and per day.

use crate::api::{Method, report_daily, report_task};
use crate::client::GetuiClient;
use crate::error::Error;
use crate::path::{list_segment, segment};

use super::missing_data;

impl GetuiClient {
    /// `GET /report/push/task/{taskids}`: counts for up to 200 tasks.
    pub async fn task_report(&self, taskids: &[String]) -> Result<report_task::Response, Error> {
        let path = format!("/report/push/task/{}", list_segment("taskids", taskids, report_task::MAX_TASKIDS)?);
        self.send_empty(Method::Get, &path).await?.ok_or_else(|| missing_data("report/push/task"))
    }

    /// `GET /report/push/date/{yyyy-MM-dd}`: counts for one past day.
    pub async fn daily_report(&self, date: &str) -> Result<report_daily::Response, Error> {
        report_daily::validate_date(date)?;
        let path = format!("/report/push/date/{}", segment("date", date)?);
        self.send_empty(Method::Get, &path).await?.ok_or_else(|| missing_data("report/push/date"))
    }
}
