//! The JSON bodies the API answers with, with their OpenAPI schemas. Times are epoch
//! milliseconds (`*_ms`); statuses are the store's stable lower-case names.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_store::{DispatchRecord, MessageRecord, MessageSummary};

use crate::gateway::{ApiError, MessageRequest};

/// The 202 of an accepted message (also replayed for a repeated `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub(crate) struct Accepted {
    /// The message id (UUIDv7).
    #[schema(example = "01932c4e-7b1a-7cc3-9d0e-2a8f6e1b5c11")]
    pub(crate) id: String,
    /// `accepted` (due now) or `scheduled` (`send_at` in the future).
    #[schema(example = "accepted")]
    pub(crate) status: String,
    /// Who the provider calls reach: `user:<id>`, `party:<id>`, `cid:<id>`, `group`, `all`…
    #[schema(example = json!(["user:alice", "user:bob"]))]
    pub(crate) recipients: Vec<String>,
}

/// `POST /v1/messages:batch`: up to 1000 messages.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct BatchRequest {
    /// The messages, each as for `POST /v1/messages`.
    pub(crate) messages: Vec<MessageRequest>,
}

/// The per-item results of a batch, in request order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct BatchResponse {
    /// One entry per message of the request.
    pub(crate) results: Vec<BatchItem>,
}

/// One batch item: either accepted or refused, never both.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct BatchItem {
    /// Set when the message was accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) accepted: Option<Accepted>,
    /// Set when the message was refused; it was not stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<ApiError>,
}

/// `{id, status}` after a cancel or retry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct StatusView {
    /// The message id.
    pub(crate) id: String,
    /// Its status now, e.g. `cancelled` or `accepted`.
    #[schema(example = "cancelled")]
    pub(crate) status: String,
    /// What a recall did at the provider, one line per provider call (omitted when nothing),
    /// e.g. `stopped Getui task RASL_…` or `revoked Getui task RASS_… for cid:…`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) done: Vec<String>,
}

/// A message with its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct MessageView {
    /// The id.
    pub(crate) id: String,
    /// The channel name.
    pub(crate) channel: String,
    /// The status (`accepted`, `scheduled`, `dispatching`, `retrying`, `deferred`, `delivered`,
    /// `partially_delivered`, `dead`, `suppressed_duplicate`, `cancelled`, `recalled`,
    /// `expired`), derived from the dispatches and their outcomes (docs/gateway.md, "Statuses").
    pub(crate) status: String,
    /// The `Idempotency-Key` it was accepted with.
    pub(crate) idempotency_key: Option<String>,
    /// Accepted at (epoch ms).
    pub(crate) created_at_ms: i64,
    /// First attempt due at (epoch ms).
    pub(crate) send_at_ms: i64,
    /// Not sent after (epoch ms).
    pub(crate) expires_at_ms: Option<i64>,
    /// Status last changed at (epoch ms).
    pub(crate) updated_at_ms: i64,
    /// When the next waiting dispatch is due (epoch ms): with `deferred`, when the quota
    /// allows again. `null` when nothing waits.
    pub(crate) next_attempt_at_ms: Option<i64>,
    /// Counted attempts over all dispatches.
    pub(crate) attempts: i64,
    /// The most recent error, if any attempt failed.
    pub(crate) last_error: Option<ErrorView>,
    /// The request as accepted.
    #[schema(value_type = Object)]
    pub(crate) request: serde_json::Value,
    /// One entry per provider call.
    pub(crate) dispatches: Vec<DispatchView>,
}

/// One provider call of a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct DispatchView {
    /// Position within the message (0-based).
    pub(crate) seq: i64,
    /// The provider call, e.g. `wecom.message_send`.
    pub(crate) endpoint: String,
    /// `pending`, `in_flight`, `retrying`, `deferred`, `delivered`, `dead`, `cancelled`, `expired`.
    pub(crate) status: String,
    /// Counted attempts.
    pub(crate) attempts: i64,
    /// Next attempt due at (epoch ms).
    pub(crate) next_attempt_at_ms: i64,
    /// Who it reaches.
    pub(crate) recipients: Vec<String>,
    /// The provider dedupe id (Getui `request_id`).
    pub(crate) dedupe_id: Option<String>,
    /// The exact provider request body (JSON), sent unchanged on every attempt.
    #[schema(value_type = Object)]
    pub(crate) body: serde_json::Value,
    /// Provider handles: WeCom `msgid`, `response_code`; Getui `taskid`.
    pub(crate) handles: HandlesView,
    /// Per-recipient outcomes reported by the provider.
    pub(crate) outcomes: Vec<OutcomeView>,
    /// Every attempt, oldest first.
    pub(crate) attempt_log: Vec<AttemptView>,
}

/// Provider handles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct HandlesView {
    /// WeCom `msgid`.
    pub(crate) msgid: Option<String>,
    /// WeCom template card `response_code`.
    pub(crate) response_code: Option<String>,
    /// Getui `taskid`.
    pub(crate) taskid: Option<String>,
}

/// What happened to one recipient.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct OutcomeView {
    /// The recipient as addressed.
    pub(crate) recipient: String,
    /// Reached: `delivered`, `offline`; `suppressed_duplicate` (not sent again, as
    /// `options.dedupe` asked); not reached: `invalid`, `unlicensed`, `ignored`, `failed`.
    pub(crate) outcome: String,
    /// Provider detail.
    pub(crate) detail: Option<String>,
}

/// One attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AttemptView {
    /// 1-based.
    pub(crate) number: i64,
    /// Finished at (epoch ms).
    pub(crate) at_ms: i64,
    /// `delivered`, `retry`, `deferred` or `dead`.
    pub(crate) result: String,
    /// Whether it used up an attempt.
    pub(crate) counted: bool,
    /// The error of a failed attempt.
    pub(crate) error: Option<ErrorView>,
}

/// A classified provider or transport error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ErrorView {
    /// `permanent`, `transient`, `token_expired` or `rate_limited`.
    pub(crate) kind: String,
    /// The provider's error code.
    pub(crate) code: Option<i64>,
    /// The provider's message.
    pub(crate) message: String,
    /// The request may have reached the provider.
    pub(crate) ambiguous: bool,
}

/// A page of messages, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PageView {
    /// The messages.
    pub(crate) items: Vec<SummaryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub(crate) next_cursor: Option<String>,
}

/// A message in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SummaryView {
    /// The id.
    pub(crate) id: String,
    /// The channel.
    pub(crate) channel: String,
    /// The status.
    pub(crate) status: String,
    /// Accepted at (epoch ms).
    pub(crate) created_at_ms: i64,
    /// First attempt due at (epoch ms).
    pub(crate) send_at_ms: i64,
    /// Status last changed at (epoch ms).
    pub(crate) updated_at_ms: i64,
}

/// Filters of `GET /v1/messages`; all optional, combined with AND.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only this status.
    pub(crate) status: Option<String>,
    /// Only this channel (one the key may use).
    pub(crate) channel: Option<String>,
    /// Created at or after: RFC 3339 or epoch ms.
    pub(crate) since: Option<String>,
    /// Created before: RFC 3339 or epoch ms.
    pub(crate) until: Option<String>,
    /// Only messages with a recipient containing this text (e.g. `alice` matches `user:alice`).
    pub(crate) recipient: Option<String>,
    /// Only messages whose request (content, recipients, options) contains this text.
    pub(crate) text: Option<String>,
    /// The `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub(crate) limit: Option<usize>,
}

/// A configured channel (never its secrets).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ChannelView {
    /// The channel's name.
    #[schema(example = "ops")]
    pub(crate) name: String,
    /// `wecom_app`, `wecom_robot` or `getui`.
    #[schema(example = "wecom_app")]
    pub(crate) kind: String,
    /// The quota ledger's budgets for this channel, with current use of the per-call ones;
    /// `null` when the ledger is off for it.
    pub(crate) quota: Option<Vec<crate::shaping::QuotaUsage>>,
    /// Delivery health since the gateway started (kept in memory by the worker).
    pub(crate) health: HealthView,
    /// Seconds since the channel's current access token was fetched; `null` when none is
    /// cached (nothing sent yet, or a group robot, which has no token).
    #[schema(example = 1234)]
    pub(crate) token_age_secs: Option<u64>,
}

/// A channel's delivery health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct HealthView {
    /// The last delivered attempt (epoch ms); `null` if none yet.
    pub(crate) last_success_at_ms: Option<i64>,
    /// The last failed attempt; `null` if none yet.
    pub(crate) last_failure: Option<FailureView>,
    /// Failed attempts since the last success.
    pub(crate) consecutive_failures: u64,
}

/// A channel's last failed attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FailureView {
    /// When (epoch ms).
    pub(crate) at_ms: i64,
    /// The provider's code, if it gave one.
    pub(crate) code: Option<i64>,
    /// The provider's (or transport's) message.
    pub(crate) message: String,
}

impl HealthView {
    pub(crate) fn from_health(h: crate::worker::health::Health) -> HealthView {
        HealthView {
            last_success_at_ms: h.last_success_at_ms,
            last_failure: h.last_failure.map(|f| FailureView { at_ms: f.at_ms, code: f.code, message: f.message }),
            consecutive_failures: h.consecutive_failures,
        }
    }
}

fn error_view(e: &yizhan_store::AttemptError) -> ErrorView {
    ErrorView { kind: e.kind.clone(), code: e.code, message: e.message.clone(), ambiguous: e.ambiguous }
}

impl From<&MessageRecord> for MessageView {
    fn from(m: &MessageRecord) -> Self {
        MessageView {
            id: m.id.to_string(),
            channel: m.channel.clone(),
            status: m.status.as_str().to_owned(),
            idempotency_key: m.idempotency_key.clone(),
            created_at_ms: m.created_at_ms,
            send_at_ms: m.send_at_ms,
            expires_at_ms: m.expires_at_ms,
            updated_at_ms: m.updated_at_ms,
            next_attempt_at_ms: m.next_attempt_at_ms(),
            attempts: m.dispatches.iter().map(|d| d.attempts).sum(),
            last_error: m.last_error().map(error_view),
            request: m.request.clone(),
            dispatches: m.dispatches.iter().map(DispatchView::from).collect(),
        }
    }
}

impl From<&DispatchRecord> for DispatchView {
    fn from(d: &DispatchRecord) -> Self {
        let body = serde_json::from_slice(&d.body)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&d.body).into_owned()));
        DispatchView {
            seq: d.seq,
            endpoint: d.endpoint.clone(),
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at_ms: d.next_attempt_at_ms,
            recipients: d.recipients.clone(),
            dedupe_id: d.dedupe_id.clone(),
            body,
            handles: HandlesView {
                msgid: d.handles.msgid.clone(),
                response_code: d.handles.response_code.clone(),
                taskid: d.handles.taskid.clone(),
            },
            outcomes: d
                .outcomes
                .iter()
                .map(|o| OutcomeView {
                    recipient: o.recipient.clone(),
                    outcome: o.outcome.clone(),
                    detail: o.detail.clone(),
                })
                .collect(),
            attempt_log: d
                .attempt_log
                .iter()
                .map(|a| AttemptView {
                    number: a.number,
                    at_ms: a.at_ms,
                    result: a.result.clone(),
                    counted: a.counted,
                    error: a.error.as_ref().map(error_view),
                })
                .collect(),
        }
    }
}

impl From<&MessageSummary> for SummaryView {
    fn from(s: &MessageSummary) -> Self {
        SummaryView {
            id: s.id.to_string(),
            channel: s.channel.clone(),
            status: s.status.as_str().to_owned(),
            created_at_ms: s.created_at_ms,
            send_at_ms: s.send_at_ms,
            updated_at_ms: s.updated_at_ms,
        }
    }
}
