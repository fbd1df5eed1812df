//! Pushes: single (cid, alias, batch), list (create message, then chunks of ≤1000 reusing one
//! taskid), all, tag conditions and fast custom tag.

use std::collections::BTreeMap;

use crate::api::{
    Method, push_all, push_fast_custom_tag, push_list_alias, push_list_cid, push_list_message, push_single_alias,
    push_single_batch_alias, push_single_batch_cid, push_single_cid, push_tag,
};
use crate::client::{GetuiClient, Resend};
use crate::error::Error;
use crate::push::PushRequest;
use crate::push::limits::AUDIENCE_MAX;
use crate::status::{CidStatus, TaskResults};

use super::missing_data;

/// The outcome of a list push: one taskid, every chunk's per-target statuses merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPush {
    /// The taskid created by `/push/list/message` and reused for every chunk.
    pub taskid: String,
    /// Per cid status (for alias pushes, per resolved cid). Empty for async pushes.
    pub statuses: BTreeMap<String, CidStatus>,
    /// How many `/push/list/*` calls were made.
    pub calls: usize,
}

impl GetuiClient {
    /// `POST /push/single/cid`: one cid. Retries resend the same `request_id`.
    pub async fn push_single_cid(&self, request: &push_single_cid::Request) -> Result<TaskResults, Error> {
        request.validate(self.now_ms())?;
        let data = self.send_json(Method::Post, push_single_cid::PATH, request, Resend::Safe).await?;
        data.ok_or_else(|| missing_data("push/single/cid"))
    }

    /// `POST /push/single/alias`: one alias (up to 10 cids).
    pub async fn push_single_alias(&self, request: &push_single_alias::Request) -> Result<TaskResults, Error> {
        request.validate(self.now_ms())?;
        let data = self.send_json(Method::Post, push_single_alias::PATH, request, Resend::Safe).await?;
        data.ok_or_else(|| missing_data("push/single/alias"))
    }

    /// `POST /push/single/batch/cid`: up to 200 different messages; `None` when `is_async`.
    pub async fn push_single_batch_cid(
        &self,
        request: &push_single_batch_cid::Request,
    ) -> Result<Option<TaskResults>, Error> {
        request.validate(self.now_ms())?;
        self.send_json(Method::Post, push_single_batch_cid::PATH, request, Resend::Safe).await
    }

    /// `POST /push/single/batch/alias`: up to 200 different messages; `None` when `is_async`.
    pub async fn push_single_batch_alias(
        &self,
        request: &push_single_batch_alias::Request,
    ) -> Result<Option<TaskResults>, Error> {
        request.validate(self.now_ms())?;
        self.send_json(Method::Post, push_single_batch_alias::PATH, request, Resend::Safe).await
    }

    /// `POST /push/list/message`: stores a message and returns its taskid.
    pub async fn create_list_message(&self, request: &push_list_message::Request) -> Result<String, Error> {
        request.validate(self.now_ms())?;
        let data: Option<push_list_message::Response> =
            self.send_json(Method::Post, push_list_message::PATH, request, Resend::Safe).await?;
        data.map(|d| d.taskid).ok_or_else(|| missing_data("push/list/message"))
    }

    /// `POST /push/list/cid`: one chunk of ≤1000 cids. Not resent after an ambiguous failure: a
    /// list push carries no `request_id` for Getui to dedupe on.
    pub async fn push_list_cid(&self, request: &push_list_cid::Request) -> Result<Option<TaskResults>, Error> {
        request.validate()?;
        self.send_json(Method::Post, push_list_cid::PATH, request, Resend::Unsafe).await
    }

    /// `POST /push/list/alias`: one chunk of ≤1000 aliases.
    pub async fn push_list_alias(&self, request: &push_list_alias::Request) -> Result<Option<TaskResults>, Error> {
        request.validate()?;
        self.send_json(Method::Post, push_list_alias::PATH, request, Resend::Unsafe).await
    }

    /// Pushes `message` to any number of cids: one `/push/list/message`, then `/push/list/cid`
    /// in chunks of 1000 that all reuse the one taskid, the last (partial) chunk included.
    pub async fn push_to_cids(&self, message: PushRequest, cids: &[String]) -> Result<ListPush, Error> {
        let request = push_list_message::Request(PushRequest { audience: None, ..message });
        let taskid = self.create_list_message(&request).await?;
        let mut outcome = ListPush { taskid, ..ListPush::default() };
        for chunk in cids.chunks(AUDIENCE_MAX) {
            let data =
                self.push_list_cid(&push_list_cid::Request::new(outcome.taskid.clone(), chunk.iter().cloned())).await?;
            outcome.merge(data);
        }
        Ok(outcome)
    }

    /// Pushes `message` to any number of aliases, like [`GetuiClient::push_to_cids`].
    pub async fn push_to_aliases(&self, message: PushRequest, aliases: &[String]) -> Result<ListPush, Error> {
        let request = push_list_message::Request(PushRequest { audience: None, ..message });
        let taskid = self.create_list_message(&request).await?;
        let mut outcome = ListPush { taskid, ..ListPush::default() };
        for chunk in aliases.chunks(AUDIENCE_MAX) {
            let request = push_list_alias::Request::new(outcome.taskid.clone(), chunk.iter().cloned());
            let data = self.push_list_alias(&request).await?;
            outcome.merge(data);
        }
        Ok(outcome)
    }

    /// `POST /push/all`: every user of the app. Returns the taskid.
    pub async fn push_all(&self, request: &push_all::Request) -> Result<String, Error> {
        request.validate(self.now_ms())?;
        let data: Option<push_all::Response> =
            self.send_json(Method::Post, push_all::PATH, request, Resend::Safe).await?;
        data.map(|d| d.taskid).ok_or_else(|| missing_data("push/all"))
    }

    /// `POST /push/tag`: users matching the conditions. Returns the taskid.
    pub async fn push_tag(&self, request: &push_tag::Request) -> Result<String, Error> {
        request.validate(self.now_ms())?;
        let data: Option<push_tag::Response> =
            self.send_json(Method::Post, push_tag::PATH, request, Resend::Safe).await?;
        data.map(|d| d.taskid).ok_or_else(|| missing_data("push/tag"))
    }

    /// `POST /push/fast_custom_tag`: users bound to one custom tag. Returns the taskid.
    pub async fn push_fast_custom_tag(&self, request: &push_fast_custom_tag::Request) -> Result<String, Error> {
        request.validate(self.now_ms())?;
        let data: Option<push_fast_custom_tag::Response> =
            self.send_json(Method::Post, push_fast_custom_tag::PATH, request, Resend::Safe).await?;
        data.map(|d| d.taskid).ok_or_else(|| missing_data("push/fast_custom_tag"))
    }
}

impl ListPush {
    fn merge(&mut self, data: Option<TaskResults>) {
        self.calls += 1;
        for statuses in data.into_iter().flat_map(BTreeMap::into_values) {
            self.statuses.extend(statuses);
        }
    }
}
