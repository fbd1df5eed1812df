//! The `getui` provider: a Getui (个推) app, push REST v2 (docs/getui-client.md).
//!
//! Planning ([`plan`]), executing ([`execute`]), coalescing single pushes into one list task
//! ([`coalesce`]), revoke ([`revoke`]), quota units and its client. The `request_id` chosen at
//! planning is part of every stored body, so a resend after an ambiguous failure is safe.

pub(crate) mod cli;
pub mod coalesce;
pub mod execute;
pub mod plan;
pub mod revoke;

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::Value;
use yizhan_core::RetryPolicy;
use yizhan_core::shared_token::SharedTokens;
use yizhan_core::window::Window;
use yizhan_getui::GetuiClient;

use crate::config::GetuiConfig;
use crate::providers::{CheckFailure, Endpoint};
use crate::shaping::config::QuotaLimits;
use crate::shaping::rules::{Budget, CallUnit, DAY_MS, MINUTE_MS, unit, windows};

/// Whether resending the persisted `body` after an ambiguous failure is deduplicated by Getui:
/// pushes that carry a `request_id` (at the top level, or in the `message` of a list push). A
/// merged list push is not: its only ambiguous step is the push to the cids.
pub fn resend_is_safe(endpoint: Endpoint, json: &Value) -> bool {
    if endpoint == Endpoint::GetuiMergedList {
        return false;
    }
    let has_id = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    has_id(json.get("request_id")) || has_id(json.get("message").and_then(|m| m.get("request_id")))
}

/// What a dispatch to `endpoint` is sent as: a merged call of single pushes goes out as one
/// list task ([`Endpoint::GetuiMergedList`]).
pub fn sent_as(endpoint: Endpoint, merged: bool) -> Endpoint {
    match endpoint {
        Endpoint::GetuiPushSingleCid if merged => Endpoint::GetuiMergedList,
        other => other,
    }
}

/// The URL a call to `endpoint` goes to, without secrets (the token travels in a header).
pub fn call_url(client: &GetuiClient, app: &GetuiConfig, endpoint: Endpoint) -> String {
    use yizhan_getui::api::{
        push_all, push_list_alias, push_list_cid, push_list_message, push_single_alias, push_single_cid, push_tag,
    };
    let path = match endpoint {
        Endpoint::GetuiPushSingleCid => push_single_cid::PATH,
        Endpoint::GetuiPushSingleAlias => push_single_alias::PATH,
        Endpoint::GetuiPushListMessage | Endpoint::GetuiPushList | Endpoint::GetuiMergedList => push_list_message::PATH,
        Endpoint::GetuiPushListCid => push_list_cid::PATH,
        Endpoint::GetuiPushListAlias => push_list_alias::PATH,
        Endpoint::GetuiPushTag => push_tag::PATH,
        _ => push_all::PATH,
    };
    format!("{}/v2/{}{path} (token header omitted)", client.host(), app.app_id)
}

/// The quota scope: `getui:<app_id>`.
pub fn quota_scope(app: &GetuiConfig) -> String {
    format!("getui:{}", app.app_id)
}

/// The per-call units: `push/all` and `push/tag` share `<scope>:broadcast`, as at Getui.
pub fn quota_rules(scope: &str, limits: &QuotaLimits) -> (Vec<Window>, Vec<CallUnit>) {
    let spec = [(limits.getui_broadcast_per_minute, MINUTE_MS), (limits.getui_broadcast_per_day, DAY_MS)];
    let broadcast = unit(format!("{scope}:broadcast"), windows(&spec), Budget::Broadcast);
    (Vec::new(), broadcast.into_iter().collect())
}

/// The per-call budget of a call to `endpoint`.
pub fn quota_budget(endpoint: Endpoint) -> Option<Budget> {
    matches!(endpoint, Endpoint::GetuiPushAll | Endpoint::GetuiPushTag).then_some(Budget::Broadcast)
}

/// The client with the given retry policy and, if given, a limit on each request; its token is
/// shared with other instances through `shared` (if any).
pub fn client(
    app: &GetuiConfig,
    shared: Option<&Arc<dyn SharedTokens>>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
) -> Result<GetuiClient, yizhan_getui::Error> {
    let mut builder =
        GetuiClient::builder(&app.app_id, app.app_key.expose_secret(), app.master_secret.clone()).retry_policy(retry);
    if let Some(url) = &app.base_url {
        builder = builder.base_url(url);
    } else if !app.base_urls.is_empty() {
        builder = builder.base_urls(app.base_urls.iter().cloned());
    }
    if let Some(store) = shared {
        builder = builder.shared_tokens(store.clone());
    }
    if let Some(url) = &app.proxy {
        builder = builder.proxy(yizhan_core::egress::proxy("proxy", url)?);
    }
    if let Some(ms) = app.read_timeout_ms {
        builder = builder.read_timeout(Duration::from_millis(ms));
    }
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
}

/// `yizhan channels check` of a `getui` channel: fetch a token; a failure names the code's meaning.
pub async fn check(client: Option<&GetuiClient>, app: &GetuiConfig) -> Result<(), CheckFailure> {
    let Some(client) = client else { return Err(CheckFailure::no_client(&app.name)) };
    client.access_token().await.map(drop).map_err(|e| {
        let explanation = e
            .code()
            .and_then(|code| yizhan_getui::errcode::describe(code).map(|m| format!("code {code}: {m}")))
            .into_iter()
            .collect();
        CheckFailure { kind: e.kind(), text: e.to_string(), explanation }
    })
}

/// `getui      app_id=… base_url=…` (`yizhan config check`).
pub fn summary(c: &GetuiConfig) -> String {
    let base = c.base_url.clone().unwrap_or_else(|| {
        if c.base_urls.is_empty() { yizhan_getui::DEFAULT_BASE_URL.to_owned() } else { c.base_urls.join(", ") }
    });
    format!("getui      app_id={} base_url={base}", c.app_id)
}
