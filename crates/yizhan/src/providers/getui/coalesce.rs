//! Coalescing Getui single pushes to one cid: bodies equal but for `request_id` and `audience`
//! share one Getui list task. Its persisted body is a [`ListPushBody`] (the shared message with
//! a `request_id` of its own, and the ≤1000 cids), which the worker sends as
//! `/push/list/message` (one taskid) and `/push/list/cid` with that taskid
//! ([`crate::providers::Endpoint::GetuiMergedList`]). Alias pushes do not coalesce (a list push
//! by alias reports per cid, not per alias, so outcomes could not be told apart).
//!
//! A single push is deduplicated by its `request_id`; the list push of a merged call is not
//! known to be (Getui documents no dedupe for `/push/list/cid`; the emulator records a repeat
//! twice). A merged call whose list push times out after it was written is resent (its
//! `message` carries a `request_id`, so the task is not created twice), and a cid can then get
//! the notification twice — the same at-least-once limit as a list push requested directly
//! (docs/shaping.md). `[shaping] coalesce_getui = false` keeps single pushes single.

use yizhan_getui::push::{Audience, PushRequest, RequestId};

use super::plan::ListPushBody;
use crate::gateway::coalesce::Addressee;
use crate::providers::{Endpoint, Recipient};

/// Which body fields address a single push to `recipients`, if it may coalesce.
pub fn addressee(endpoint: Endpoint, recipients: &[String]) -> Option<Addressee> {
    if endpoint != Endpoint::GetuiPushSingleCid
        || recipients.len() != 1
        || Recipient::parse(&recipients[0]).cid().is_none()
    {
        return None;
    }
    Some(Addressee { fields: &["audience", "request_id"], excluded: &[] })
}

/// The [`ListPushBody`] of a merged Getui call: `body` (a member's single push) without its
/// audience and with a fresh `request_id`, to the cids of `recipients` (`cid:<id>` each).
/// `None` if `body` is not a push body or a recipient is not a cid.
pub fn merged_body(body: &[u8], recipients: &[String]) -> Option<Vec<u8>> {
    let single: PushRequest = serde_json::from_slice(body).ok()?;
    let cids: Option<Vec<String>> = recipients.iter().map(|r| Recipient::parse(r).cid().map(str::to_owned)).collect();
    let message = PushRequest { audience: None, request_id: RequestId::random(), ..single };
    serde_json::to_vec(&ListPushBody { message, audience: Audience::Cid(cids?) }).ok()
}
