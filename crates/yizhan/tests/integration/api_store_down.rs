//! A store that cannot be used answers 503 `unavailable` with `Retry-After`, never 500: clients
//! and proxies retry a 503, and nothing was stored, so the same request may be sent again.

#![allow(clippy::unwrap_used)]

use yizhan_test_kit::postgres;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use yizhan::server::auth::ApiKeys;
use yizhan::server::{AppState, router};
use yizhan_store::Store;

const KEY: &str = "ops-key-0123456789";

async fn state(store: Store) -> AppState {
    let text = format!(
        r#"
[[channels]]
name = "bot"
kind = "wecom_robot"
key = "robot-key"

[[api_keys]]
name = "ops"
sha256 = "{}"
channels = ["bot"]
"#,
        ApiKeys::hash(KEY)
    );
    crate::support::app_state(&text, store)
}

async fn call(state: &AppState, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Option<String>, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let retry = resp.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, retry, json)
}

fn assert_unavailable((status, retry, body): (StatusCode, Option<String>, Value)) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let secs: u32 = retry.expect("a Retry-After header").parse().expect("Retry-After in seconds");
    assert!((1..=60).contains(&secs), "Retry-After: {secs}");
    assert_eq!(body["code"], "unavailable", "{body}");
    // No database detail leaks into the answer.
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains("sqlite") && !message.contains("pool"), "{message}");
}

#[tokio::test]
async fn a_closed_store_answers_503_with_retry_after() {
    let path = std::env::temp_dir().join(format!("yizhan-down-{}.db", yizhan_core::MessageId::new()));
    let url = format!("sqlite://{}", path.display());
    let store = Store::open(&url).await.unwrap();
    let state = state(store.clone()).await;
    let message = json!({"channel": "bot", "content": {"text": "disk on fire"}});
    let (status, _, body) = call(&state, "POST", "/v1/messages", Some(message.clone())).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();

    store.close().await;
    assert_unavailable(call(&state, "POST", "/v1/messages", Some(message.clone())).await);
    assert_unavailable(call(&state, "POST", "/v1/messages:batch", Some(json!({"messages": [message]}))).await);
    assert_unavailable(call(&state, "GET", &format!("/v1/messages/{id}"), None).await);
    assert_unavailable(call(&state, "GET", "/v1/messages", None).await);
    let (status, _, _) = call(&state, "GET", "/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn an_unreachable_postgres_answers_503_with_retry_after() {
    let Some(db) = postgres::TempDatabase::create().await else { return };
    let store = Store::open(&db.url).await.unwrap();
    let state = state(store.clone()).await;
    store.close().await;
    let message = json!({"channel": "bot", "content": {"text": "db gone"}});
    assert_unavailable(call(&state, "POST", "/v1/messages", Some(message)).await);
    assert_unavailable(call(&state, "GET", "/v1/messages", None).await);
}
