//! The directory (通讯录): departments and their members, as the application can see them.

use crate::api::{department_list, user_list};
use crate::client::{Call, Payload, WecomClient};
use crate::error::Error;

impl WecomClient {
    /// Every department the application can see (`department/list` without an id).
    pub async fn departments(&self) -> Result<Vec<department_list::Department>, Error> {
        let call = Call { path: department_list::PATH, query: &[], payload: Payload::None, resend_is_safe: true };
        let response: department_list::Response = self.call_ok(call).await?;
        Ok(response.department)
    }

    /// The members of department `id` (`user/list`).
    pub async fn department_members(&self, id: i64) -> Result<Vec<user_list::Member>, Error> {
        let id = id.to_string();
        let query = [("department_id", id.as_str())];
        let call = Call { path: user_list::PATH, query: &query, payload: Payload::None, resend_is_safe: true };
        let response: user_list::Response = self.call_ok(call).await?;
        Ok(response.userlist)
    }
}
