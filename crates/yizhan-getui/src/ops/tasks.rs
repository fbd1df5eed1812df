//! Tasks and tokens: stop, scheduled-task query and delete, per-cid message detail, token
//! revocation.

use crate::api::{Method, NoData, auth_delete, task_detail, task_schedule_query};
use crate::client::GetuiClient;
use crate::error::Error;
use crate::path::segment;

use super::missing_data;

impl GetuiClient {
    /// `DELETE /task/{taskid}`: stops a list or app task still being pushed.
    pub async fn stop_task(&self, taskid: &str) -> Result<(), Error> {
        let path = format!("/task/{}", segment("taskid", taskid)?);
        self.send_empty::<NoData>(Method::Delete, &path).await.map(drop)
    }

    /// `GET /task/schedule/{taskid}`: a scheduled task's state.
    pub async fn scheduled_task(&self, taskid: &str) -> Result<task_schedule_query::ScheduledTask, Error> {
        let path = format!("/task/schedule/{}", segment("taskid", taskid)?);
        let data: Option<task_schedule_query::Response> = self.send_empty(Method::Get, &path).await?;
        data.and_then(|mut map| map.remove(taskid)).ok_or_else(|| missing_data("task/schedule"))
    }

    /// `DELETE /task/schedule/{taskid}`: deletes a scheduled task that has not fired (22001
    /// when it already ran, 22002 within a minute of its send time).
    pub async fn delete_scheduled_task(&self, taskid: &str) -> Result<(), Error> {
        let path = format!("/task/schedule/{}", segment("taskid", taskid)?);
        self.send_empty::<NoData>(Method::Delete, &path).await.map(drop)
    }

    /// `GET /task/detail/{cid}/{taskid}`: the delivery path of one cid (needs a permission
    /// Getui grants; 10004 otherwise).
    pub async fn task_detail(&self, cid: &str, taskid: &str) -> Result<task_detail::Response, Error> {
        let path = format!("/task/detail/{}/{}", segment("cid", cid)?, segment("taskid", taskid)?);
        self.send_empty(Method::Get, &path).await?.ok_or_else(|| missing_data("task/detail"))
    }

    /// `DELETE /auth/{token}`: revokes the cached token at Getui and forgets it; the next call
    /// authenticates again.
    pub async fn revoke_token(&self) -> Result<(), Error> {
        let token = self.access_token().await?;
        let path = format!("/auth/{}", segment("token", token.expose())?);
        let result = self.send_empty::<auth_delete::Response>(Method::Delete, &path).await.map(drop);
        self.forget_token(&token).await;
        result
    }
}
