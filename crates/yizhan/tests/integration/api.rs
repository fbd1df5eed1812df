//! The HTTP API end to end against an in-memory store: `router(state).oneshot(request)`.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan::server::{AppState, router};
use yizhan_store::{ListFilter, Store};

/// 2026-11-23T09:00:00Z.
const NOW_MS: i64 = 1_795_395_600_000;
const OPS_KEY: &str = "ops-key-0123456789";
const BOT_KEY: &str = "bot-key-0123456789";
const ALL_KEY: &str = "all-key-0123456789";

struct Api {
    state: AppState,
}

struct Reply {
    status: StatusCode,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

async fn api() -> Api {
    let text = format!(
        r#"
[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "ww0001"
agent_id = 1000002
secret = "app-secret"

[[channels]]
name = "bot"
kind = "wecom_robot"
key = "robot-key"

[[api_keys]]
name = "ops-team"
sha256 = "{}"
channels = ["ops"]

[[api_keys]]
name = "bot-team"
sha256 = "{}"
channels = ["bot"]

[[api_keys]]
name = "all"
sha256 = "{}"
channels = ["ops", "bot"]
"#,
        ApiKeys::hash(OPS_KEY),
        ApiKeys::hash(BOT_KEY),
        ApiKeys::hash(ALL_KEY)
    );
    let config = Config::parse(&text, "test.toml", &Default::default()).unwrap();
    let (clock, _control) = yizhan_core::Clock::manual(NOW_MS);
    let shaping = Arc::new(yizhan::shaping::Shaping::new(&config));
    let store = Store::open("sqlite::memory:").await.unwrap();
    let state = AppState {
        events: yizhan::events::EventHub::new(store.clone()),
        store,
        keys: ApiKeys::from_config(&config),
        config: Arc::new(config),
        clock,
        wake: Arc::new(tokio::sync::Notify::new()),
        shaping,
        channels: yizhan::channels::Channels::default(),
        health: yizhan::worker::ChannelHealth::default(),
        retention: Arc::default(),
        webhook_metrics: Arc::default(),
    };
    Api { state }
}

impl Api {
    async fn call(&self, method: &str, uri: &str, key: Option<&str>, body: Option<Vec<u8>>) -> Reply {
        self.call_with(method, uri, key, body, None).await
    }

    async fn call_with(
        &self,
        method: &str,
        uri: &str,
        key: Option<&str>,
        body: Option<Vec<u8>>,
        idempotency: Option<&str>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(k) = key {
            req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        if let Some(k) = idempotency {
            req = req.header("Idempotency-Key", k);
        }
        let req = req.body(body.map_or_else(Body::empty, Body::from)).unwrap();
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Reply { status, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn send(&self, key: Option<&str>, body: &Value) -> Reply {
        self.call("POST", "/v1/messages", key, Some(serde_json::to_vec(body).unwrap())).await
    }

    async fn stored(&self) -> usize {
        self.state.store.list(&ListFilter::default()).await.unwrap().items.len()
    }
}

fn text(t: &str) -> Value {
    json!({"channel": "ops", "to": {"users": ["alice", "bob"]}, "content": {"text": t}})
}

#[tokio::test]
async fn accepted_message_is_stored_with_its_dispatch() {
    let api = api().await;
    let r = api.send(Some(OPS_KEY), &text("disk full")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let body = r.json();
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["recipients"], json!(["user:alice", "user:bob"]));
    let id = body["id"].as_str().unwrap();
    // The worker was woken: the permit is waiting.
    tokio::time::timeout(std::time::Duration::from_secs(1), api.state.wake.notified()).await.unwrap();

    let r = api.call("GET", &format!("/v1/messages/{id}"), Some(OPS_KEY), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = r.json();
    assert_eq!(m["status"], "accepted");
    assert_eq!(m["channel"], "ops");
    assert_eq!(m["attempts"], 0);
    assert_eq!(m["dispatches"].as_array().unwrap().len(), 1);
    let d = &m["dispatches"][0];
    assert_eq!(d["endpoint"], "wecom.message_send");
    assert_eq!(d["status"], "pending");
    assert_eq!(d["body"]["touser"], "alice|bob");
    assert_eq!(d["body"]["text"]["content"], "disk full");
    assert_eq!(d["recipients"], json!(["user:alice", "user:bob"]));

    let r = api.call("GET", "/v1/messages", Some(OPS_KEY), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["items"][0]["id"], id);
    let r = api.call("GET", "/v1/messages?cursor=garbage", Some(OPS_KEY), None).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("cursor")));
    let r = api.call("GET", "/v1/messages?status=nonsense", Some(OPS_KEY), None).await;
    assert_eq!((r.status, r.json()["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("status")));
}

#[tokio::test]
async fn scheduled_message_shows_scheduled_and_can_be_cancelled_twice() {
    let api = api().await;
    let mut body = text("later");
    body["options"] = json!({"send_at": "2030-01-01T00:00:00Z"});
    let r = api.send(Some(OPS_KEY), &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.json()["status"], "scheduled");
    let uri = format!("/v1/messages/{}", r.json()["id"].as_str().unwrap());
    assert_eq!(api.call("GET", &uri, Some(OPS_KEY), None).await.json()["status"], "scheduled");

    for _ in 0..2 {
        let r = api.call("DELETE", &uri, Some(OPS_KEY), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["status"], "cancelled");
    }
    assert_eq!(api.call("GET", &uri, Some(OPS_KEY), None).await.json()["status"], "cancelled");

    let r = api.call("POST", &format!("{uri}/retry"), Some(OPS_KEY), None).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "conflict".to_owned()), "{}", r.text);
}

#[tokio::test]
async fn refused_requests_store_nothing() {
    let api = api().await;
    let r = api.call("POST", "/v1/messages", Some(OPS_KEY), Some(b"{not json".to_vec())).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "malformed_json".to_owned()));

    let r = api.send(None, &text("x")).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "unauthorized".to_owned()));
    let r = api.send(Some("wrong-key"), &text("x")).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "unauthorized".to_owned()));

    let r = api.send(Some(BOT_KEY), &text("x")).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "forbidden".to_owned()));

    let big = text(&"x".repeat(1024 * 1024 + 1));
    let r = api.send(Some(OPS_KEY), &big).await;
    assert_eq!((r.status, r.code()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".to_owned()));

    let mut long = text(&"x".repeat(2049));
    long["options"] = json!({"overflow": "reject"});
    let r = api.send(Some(OPS_KEY), &long).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".to_owned()));
    assert_eq!(r.json()["field"], "content.text", "{}", r.text);
    assert!(r.json()["message"].as_str().unwrap().contains("2048"), "{}", r.text);

    assert_eq!(api.stored().await, 0);
}

#[tokio::test]
async fn dry_run_answers_the_provider_bodies_and_stores_nothing() {
    let api = api().await;
    let body = serde_json::to_vec(&text("disk full")).unwrap();
    let r = api.call("POST", "/v1/messages?dry_run=true", Some(OPS_KEY), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let plan = r.json();
    assert_eq!((plan["dry_run"].as_bool(), plan["status"].as_str()), (Some(true), Some("accepted")));
    assert_eq!(plan["recipients"], json!(["user:alice", "user:bob"]));
    let dispatch = &plan["dispatches"][0];
    assert_eq!(dispatch["endpoint"], "wecom.message_send");
    assert_eq!(dispatch["body"]["touser"], "alice|bob");
    assert_eq!(dispatch["body"]["text"]["content"], "disk full");
    assert_eq!(dispatch["body"]["agentid"], 1000002);
    assert_eq!(api.stored().await, 0, "a dry run stores nothing");
    let mut long = text(&"x".repeat(2049));
    long["options"] = json!({"overflow": "reject"});
    let r =
        api.call("POST", "/v1/messages?dry_run=true", Some(OPS_KEY), Some(serde_json::to_vec(&long).unwrap())).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("content.text")));
    let r = api.call("POST", "/v1/messages?dry_run=true", Some(BOT_KEY), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "scope is checked as for an accept");
    let r = api.call("POST", "/v1/messages?dry_run=maybe", Some(OPS_KEY), Some(body.clone())).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "malformed_json".to_owned()));
    let r = api.call("POST", "/v1/messages?dry_run=false", Some(OPS_KEY), Some(body)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(api.stored().await, 1);
}

#[tokio::test]
async fn an_unknown_channel_is_named_to_a_key_that_may_use_every_channel() {
    let api = api().await;
    let mut body = text("x");
    body["channel"] = json!("opz");
    let r = api.send(Some(ALL_KEY), &body).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed".to_owned()), "{}", r.text);
    assert_eq!(r.json()["field"], "channel");
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("no channel named \"opz\"") && message.contains("ops, bot"), "{message}");
    // A key limited to some channels learns nothing about the others.
    let r = api.send(Some(OPS_KEY), &body).await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "forbidden".to_owned()), "{}", r.text);
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("\"opz\"") && message.contains("may use: ops") && !message.contains("bot"), "{message}");
}

#[tokio::test]
async fn idempotency_key_replays_or_refuses() {
    let api = api().await;
    let body = serde_json::to_vec(&text("once")).unwrap();
    let first = api.call_with("POST", "/v1/messages", Some(OPS_KEY), Some(body.clone()), Some("k-1")).await;
    let again = api.call_with("POST", "/v1/messages", Some(OPS_KEY), Some(body), Some("k-1")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(first.json(), again.json());
    assert_eq!(api.stored().await, 1);

    let other = serde_json::to_vec(&text("twice")).unwrap();
    let r = api.call_with("POST", "/v1/messages", Some(OPS_KEY), Some(other), Some("k-1")).await;
    assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch".to_owned()));
    assert_eq!(api.stored().await, 1);
}

#[tokio::test]
async fn messages_of_other_channels_are_not_found() {
    let api = api().await;
    let id = api.send(Some(OPS_KEY), &text("mine")).await.json()["id"].as_str().unwrap().to_owned();
    let uri = format!("/v1/messages/{id}");
    let r = api.call("GET", &uri, Some(BOT_KEY), None).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found".to_owned()));
    let r = api.call("DELETE", &uri, Some(BOT_KEY), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(api.call("GET", "/v1/messages", Some(BOT_KEY), None).await.json()["items"].as_array().unwrap().is_empty());
    let r = api.call("GET", "/v1/messages?channel=ops", Some(BOT_KEY), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = api.call("POST", &format!("{uri}/retry"), Some(OPS_KEY), None).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "conflict".to_owned()));
    let r = api.call("GET", "/v1/messages/not-an-id", Some(OPS_KEY), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn batch_answers_per_item() {
    let api = api().await;
    let body = json!({"messages": [text("a"), {"channel": "bot", "content": {"text": "b"}}, {"bogus": 1}]});
    let r = api.call("POST", "/v1/messages:batch", Some(OPS_KEY), Some(serde_json::to_vec(&body).unwrap())).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let results = r.json()["results"].clone();
    assert_eq!(results[0]["accepted"]["status"], "accepted");
    assert_eq!(results[1]["error"]["code"], "forbidden");
    assert_eq!(results[2]["error"]["code"], "malformed_json");
    assert_eq!(api.stored().await, 1);
}

#[tokio::test]
async fn batch_idempotency_key_replays_the_first_results_or_refuses() {
    let api = api().await;
    let batch = |t: &str| {
        let body = json!({"messages": [text(t), {"channel": "bot", "content": {"text": "b"}}, text("second")]});
        serde_json::to_vec(&body).unwrap()
    };
    let first = api.call_with("POST", "/v1/messages:batch", Some(OPS_KEY), Some(batch("a")), Some("b-1")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.text);
    assert_eq!(first.json()["results"][1]["error"]["code"], "forbidden");
    assert_eq!(api.stored().await, 2);
    let again = api.call_with("POST", "/v1/messages:batch", Some(OPS_KEY), Some(batch("a")), Some("b-1")).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    assert_eq!(again.json(), first.json(), "the first results, same ids");
    assert_eq!(api.stored().await, 2, "nothing stored twice");

    let other = api.call_with("POST", "/v1/messages:batch", Some(OPS_KEY), Some(batch("changed")), Some("b-1")).await;
    assert_eq!((other.status, other.code()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch".to_owned()));
    assert_eq!(api.stored().await, 2);

    // The batch key does not collide with the same key on a single message, nor with another key.
    let single = serde_json::to_vec(&text("single")).unwrap();
    let r = api.call_with("POST", "/v1/messages", Some(OPS_KEY), Some(single), Some("b-1")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let r = api.call_with("POST", "/v1/messages:batch", Some(OPS_KEY), Some(batch("changed")), Some("b-2")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(api.stored().await, 5);
}

#[tokio::test]
async fn channels_health_ready_and_metrics() {
    let api = api().await;
    let r = api.call("GET", "/v1/channels", Some(OPS_KEY), None).await;
    let member =
        |window_secs, limit| json!({"budget": "member", "window_secs": window_secs, "limit": limit, "used": null});
    let group =
        |window_secs, limit| json!({"budget": "group_sends", "window_secs": window_secs, "limit": limit, "used": 0});
    let appchat =
        |window_secs, limit| json!({"budget": "appchat", "window_secs": window_secs, "limit": limit, "used": 0});
    let quota = json!([
        member(60, 30),
        member(3600, 1000),
        group(60, 30),
        group(3600, 1000),
        appchat(60, 200),
        appchat(86400, 10000)
    ]);
    let empty = json!({"last_success_at_ms": null, "last_failure": null, "consecutive_failures": 0});
    assert_eq!(
        r.json(),
        json!([{"name": "ops", "kind": "wecom_app", "quota": quota, "health": empty, "token_age_secs": null}])
    );
    assert!(!r.text.contains("secret"));
    assert_eq!(api.call("GET", "/v1/channels", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.call("GET", "/healthz", None, None).await.status, StatusCode::OK);
    let r = api.call("GET", "/readyz", None, None).await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!({"status": "ready"})));

    let app = router(api.state.clone());
    let send = |body: Vec<u8>| {
        Request::post("/v1/messages")
            .header(header::AUTHORIZATION, format!("Bearer {OPS_KEY}"))
            .body(Body::from(body))
            .unwrap()
    };
    let ok = app.clone().oneshot(send(serde_json::to_vec(&text("m")).unwrap())).await.unwrap();
    assert_eq!(ok.status(), StatusCode::ACCEPTED);
    let bad = app.clone().oneshot(send(b"[".to_vec())).await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let resp = app.oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    let text = String::from_utf8(axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap();
    for line in [
        "yizhan_messages{status=\"accepted\"} 1",
        "yizhan_messages{status=\"dead\"} 0",
        "yizhan_messages_accepted_total 1",
        "yizhan_http_responses_total{status=\"202\"} 1",
        "yizhan_http_responses_total{status=\"400\"} 1",
        "yizhan_retention_deleted_rows_total 0",
        "# TYPE yizhan_messages gauge",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} missing from\n{text}");
    }
}

#[tokio::test]
async fn readyz_is_503_once_the_store_does_not_answer() {
    let api = api().await;
    assert_eq!(api.call("GET", "/readyz", None, None).await.status, StatusCode::OK);
    api.state.store.close().await;
    let r = api.call("GET", "/readyz", None, None).await;
    assert_eq!((r.status, r.json()), (StatusCode::SERVICE_UNAVAILABLE, json!({"status": "unavailable"})));
}

#[tokio::test]
async fn openapi_and_docs() {
    let api = api().await;
    let r = api.call("GET", "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let spec = r.json();
    for path in [
        "/v1/messages",
        "/v1/messages:batch",
        "/v1/messages/{id}",
        "/v1/messages/{id}/retry",
        "/v1/channels",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} missing from the spec");
    }
    assert_eq!(spec, serde_json::to_value(yizhan::server::openapi()).unwrap());
    insta::assert_json_snapshot!("openapi", spec);

    let r = api.call("GET", "/docs", None, None).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "/docs: {}", r.status);
    let r = api.call("GET", "/docs/", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("swagger"), "{}", r.text);
    let r = api.call("GET", "/nope", None, None).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found".to_owned()));
}
