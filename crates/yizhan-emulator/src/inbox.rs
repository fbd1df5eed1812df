//! What the emulator received: the inbox of per-recipient deliveries and the call counters.
//!
//! Records are stored compactly (shared `Arc`s, one content value per request) and turned into
//! owned [`Delivery`] values only when somebody reads the inbox.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The inbox keeps at most this many entries; older ones are discarded first. [`Stats`] count
/// everything regardless.
pub const INBOX_CAPACITY: usize = 100_000;

/// One message for one recipient, as the emulated provider handled it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Provider name: `"wecom"`, `"wecom_robot"`, `"getui"`, `"dingtalk_robot"` or `"feishu_bot"`.
    pub provider: String,
    /// The app that sent it; for WeCom the agent id as text, for Getui the appId, for a group
    /// robot (WeCom, DingTalk, Feishu) the first four characters of its key, access token or
    /// hook id and `…` (never the token itself).
    pub app: String,
    /// The recipient as known to the directory (a WeCom user id in its configured spelling, a
    /// Getui cid); for a group robot `"group"`, or the mentions of a text message joined by `,`
    /// (`@all` for everyone).
    pub recipient: String,
    /// Message type, e.g. `"text"`; for Getui `"notification"`, `"transmission"` or `"revoke"`.
    pub msgtype: String,
    /// The message-type object as delivered (over-long text already truncated); for Getui the
    /// whole `push_message` object; for DingTalk and Feishu bots the whole body (Feishu without
    /// its `timestamp` and `sign`).
    pub content: Value,
    /// The provider's message id returned to the caller (for Getui the taskid; empty for group
    /// robots, which return none).
    pub msgid: String,
    /// Why the message was not delivered, e.g. `"per_member_minute_limit"` or (Getui)
    /// `"inactive_90_days"`; `None` = delivered.
    pub dropped: Option<String>,
    /// True when the request was suppressed as a duplicate of an earlier one (not delivered again).
    pub deduplicated: bool,
    /// When the emulator handled it, epoch milliseconds of the emulator's clock (for a scheduled
    /// Getui push: its scheduled send time).
    pub at_ms: i64,
    /// The request's `request_id` (Getui; for list pushes the one of `/push/list/message`).
    #[serde(default)]
    pub request_id: Option<String>,
    /// The provider's per-recipient status (Getui: `successed_online`, `successed_offline` or
    /// `successed_ignore`; for a deduplicated entry the status originally answered).
    #[serde(default)]
    pub status: Option<String>,
}

/// Counters over all provider calls since start or the last reset.
///
/// `delivered`, `dropped`, `deduplicated` and `errors` count every provider (WeCom and Getui).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests to WeCom `gettoken`, including faulted ones.
    pub gettoken_calls: u64,
    /// Requests to WeCom `message/send`, including faulted ones.
    pub send_calls: u64,
    /// Inbox entries that were delivered.
    pub delivered: u64,
    /// Inbox entries that were silently dropped (per-member limits).
    pub dropped: u64,
    /// Inbox entries that were suppressed by the duplicate check.
    pub deduplicated: u64,
    /// Provider calls that did not succeed: an errcode (or Getui code) other than 0, an injected
    /// HTTP 500 or a dropped connection.
    pub errors: u64,
    /// Requests to any Getui `/v2/{appId}/…` endpoint, including faulted ones.
    #[serde(default)]
    pub getui_calls: u64,
    /// Requests to Getui `POST /auth`, including faulted ones.
    #[serde(default)]
    pub auth_calls: u64,
    /// Requests to Getui `/push/…` endpoints, including faulted ones.
    #[serde(default)]
    pub push_calls: u64,
    /// Requests to the WeCom group robot webhook `webhook/send`, including faulted ones.
    #[serde(default)]
    pub robot_calls: u64,
    /// Requests to the WeCom group robot `webhook/upload_media`, including faulted ones.
    #[serde(default)]
    pub robot_upload_calls: u64,
    /// Requests to WeCom `media/upload`, including faulted and refused ones.
    #[serde(default)]
    pub media_uploads: u64,
    /// Requests to WeCom `media/uploadimg`, including faulted and refused ones.
    #[serde(default)]
    pub uploadimg_calls: u64,
    /// Requests to the DingTalk robot webhook `/robot/send`, including faulted ones.
    #[serde(default)]
    pub dingtalk_calls: u64,
    /// Requests to the Feishu bot webhook `/open-apis/bot/v2/hook/…`, including faulted ones.
    #[serde(default)]
    pub feishu_calls: u64,
}

/// A compact inbox entry.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) provider: &'static str,
    pub(crate) app: Arc<str>,
    pub(crate) recipient: Arc<str>,
    pub(crate) msgtype: &'static str,
    pub(crate) content: Arc<Value>,
    pub(crate) msgid: Arc<str>,
    pub(crate) outcome: Outcome,
    pub(crate) at_ms: i64,
    pub(crate) request_id: Option<Arc<str>>,
    pub(crate) status: Option<&'static str>,
}

/// What happened to one recipient of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Delivered,
    Dropped(&'static str),
    Deduplicated,
}

impl Record {
    fn to_delivery(&self) -> Delivery {
        Delivery {
            provider: self.provider.to_owned(),
            app: self.app.to_string(),
            recipient: self.recipient.to_string(),
            msgtype: self.msgtype.to_owned(),
            content: Value::clone(&self.content),
            msgid: self.msgid.to_string(),
            dropped: match self.outcome {
                Outcome::Dropped(reason) => Some(reason.to_owned()),
                Outcome::Delivered | Outcome::Deduplicated => None,
            },
            deduplicated: self.outcome == Outcome::Deduplicated,
            at_ms: self.at_ms,
            request_id: self.request_id.as_deref().map(str::to_owned),
            status: self.status.map(str::to_owned),
        }
    }
}

/// The shared inbox and counters.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    records: Mutex<VecDeque<Record>>,
    pub(crate) gettoken_calls: AtomicU64,
    pub(crate) send_calls: AtomicU64,
    pub(crate) getui_calls: AtomicU64,
    pub(crate) auth_calls: AtomicU64,
    pub(crate) push_calls: AtomicU64,
    pub(crate) robot_calls: AtomicU64,
    pub(crate) robot_upload_calls: AtomicU64,
    pub(crate) media_uploads: AtomicU64,
    pub(crate) uploadimg_calls: AtomicU64,
    pub(crate) dingtalk_calls: AtomicU64,
    pub(crate) feishu_calls: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    deduplicated: AtomicU64,
    pub(crate) errors: AtomicU64,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Inbox {
    /// Appends the records of one request and counts their outcomes.
    pub(crate) fn record(&self, batch: Vec<Record>) {
        let (mut delivered, mut dropped, mut deduplicated) = (0, 0, 0);
        for r in &batch {
            match r.outcome {
                Outcome::Delivered => delivered += 1,
                Outcome::Dropped(_) => dropped += 1,
                Outcome::Deduplicated => deduplicated += 1,
            }
        }
        self.delivered.fetch_add(delivered, Ordering::Relaxed);
        self.dropped.fetch_add(dropped, Ordering::Relaxed);
        self.deduplicated.fetch_add(deduplicated, Ordering::Relaxed);
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let overflow = (records.len() + batch.len()).saturating_sub(INBOX_CAPACITY).min(records.len());
        records.drain(..overflow);
        records.extend(batch);
        let overflow = records.len().saturating_sub(INBOX_CAPACITY);
        records.drain(..overflow);
    }

    /// A copy of the inbox, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        let records: Vec<Record> = self.records.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect();
        records.iter().map(Record::to_delivery).collect()
    }

    /// The delivered WeCom entry of `msgid` for `user` (matched case-insensitively): the user id
    /// as configured and the delivered content.
    pub(crate) fn find_wecom(&self, msgid: &str, user: &str) -> Option<(Arc<str>, Arc<Value>)> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .iter()
            .rev()
            .find(|r| {
                r.provider == "wecom"
                    && r.outcome == Outcome::Delivered
                    && &*r.msgid == msgid
                    && r.recipient.to_lowercase() == user.to_lowercase()
            })
            .map(|r| (r.recipient.clone(), r.content.clone()))
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            gettoken_calls: get(&self.gettoken_calls),
            send_calls: get(&self.send_calls),
            delivered: get(&self.delivered),
            dropped: get(&self.dropped),
            deduplicated: get(&self.deduplicated),
            errors: get(&self.errors),
            getui_calls: get(&self.getui_calls),
            auth_calls: get(&self.auth_calls),
            push_calls: get(&self.push_calls),
            robot_calls: get(&self.robot_calls),
            robot_upload_calls: get(&self.robot_upload_calls),
            media_uploads: get(&self.media_uploads),
            uploadimg_calls: get(&self.uploadimg_calls),
            dingtalk_calls: get(&self.dingtalk_calls),
            feishu_calls: get(&self.feishu_calls),
        }
    }

    /// Empties the inbox and zeroes the counters.
    pub(crate) fn reset(&self) {
        self.records.lock().unwrap_or_else(|e| e.into_inner()).clear();
        for c in [
            &self.gettoken_calls,
            &self.send_calls,
            &self.getui_calls,
            &self.auth_calls,
            &self.push_calls,
            &self.robot_calls,
            &self.robot_upload_calls,
            &self.media_uploads,
            &self.uploadimg_calls,
            &self.dingtalk_calls,
            &self.feishu_calls,
            &self.delivered,
            &self.dropped,
            &self.deduplicated,
            &self.errors,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(outcome: Outcome, at_ms: i64) -> Record {
        Record {
            provider: "wecom",
            app: "1".into(),
            recipient: "alice".into(),
            msgtype: "text",
            content: Arc::new(serde_json::json!({"content": "hi"})),
            msgid: "m".into(),
            outcome,
            at_ms,
            request_id: None,
            status: None,
        }
    }

    #[test]
    fn records_count_and_convert() {
        let inbox = Inbox::default();
        inbox.record(vec![
            record(Outcome::Delivered, 1),
            record(Outcome::Dropped("per_member_minute_limit"), 2),
            record(Outcome::Deduplicated, 3),
        ]);
        let stats = inbox.stats();
        assert_eq!((stats.delivered, stats.dropped, stats.deduplicated), (1, 1, 1));
        let list = inbox.deliveries();
        assert_eq!(list[1].dropped.as_deref(), Some("per_member_minute_limit"));
        assert!(list[2].deduplicated && list[2].dropped.is_none());
        assert_eq!(list[0].content, serde_json::json!({"content": "hi"}));
        inbox.reset();
        assert_eq!(inbox.stats(), Stats::default());
        assert!(inbox.deliveries().is_empty());
    }

    #[test]
    fn inbox_is_bounded() {
        let inbox = Inbox::default();
        inbox.record((0..INBOX_CAPACITY as i64).map(|i| record(Outcome::Delivered, i)).collect());
        inbox.record(vec![record(Outcome::Delivered, -1), record(Outcome::Delivered, -2)]);
        let list = inbox.deliveries();
        assert_eq!(list.len(), INBOX_CAPACITY);
        assert_eq!(list[0].at_ms, 2);
        assert_eq!(list[INBOX_CAPACITY - 1].at_ms, -2);
    }
}
