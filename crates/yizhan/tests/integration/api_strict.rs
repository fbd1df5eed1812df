//! Strict corners of the request parser: the bearer scheme in any case, unknown fields at any
//! depth of Getui content refused with their path (422: those objects are Getui's own, declared
//! as plain objects in the OpenAPI document), absurdly deep JSON refused cleanly.

#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use yizhan::server::auth::ApiKeys;
use yizhan::server::{AppState, router};
use yizhan_store::Store;

const KEY: &str = "app-key-0123456789";

async fn state() -> AppState {
    let text = format!(
        r#"
[[channels]]
name = "app"
kind = "getui"
app_id = "a"
app_key = "k"
master_secret = "m"

[[api_keys]]
name = "app"
sha256 = "{}"
channels = ["app"]
"#,
        ApiKeys::hash(KEY)
    );
    crate::support::app_state(&text, Store::open("sqlite::memory:").await.unwrap())
}

async fn call(state: &AppState, method: &str, uri: &str, auth: &str, body: Option<Vec<u8>>) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, auth)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn send(state: &AppState, getui: Value) -> (StatusCode, Value) {
    let body = json!({"channel": "app", "to": {"cids": ["cid-1"]}, "content": {"getui": getui}});
    call(state, "POST", "/v1/messages", &format!("Bearer {KEY}"), Some(serde_json::to_vec(&body).unwrap())).await
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let state = state().await;
    for scheme in ["Bearer", "bearer", "BEARER", "beaRer"] {
        let (status, body) = call(&state, "GET", "/v1/messages", &format!("{scheme} {KEY}"), None).await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {body}");
    }
    for auth in [format!("Basic {KEY}"), format!("Bearer{KEY}"), "bearer ".to_owned(), KEY.to_owned()] {
        let (status, _) = call(&state, "GET", "/v1/messages", &auth, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
    }
}

#[tokio::test]
async fn known_getui_objects_are_accepted() {
    let state = state().await;
    let getui = json!({
        "notification": {"title": "disk", "body": "full", "click_type": "url", "url": "https://example.com"},
        "push_channel": {
            "android": {"ups": {"notification": {"title": "t", "body": "b", "click_type": "startapp"},
                                "options": {"HW": {"/message/android/category": "WORK"}}}},
            "ios": {"type": "notify", "aps": {"alert": {"title": "t", "body": "b"}, "content-available": 0}},
        },
        "settings": {"ttl": 3_600_000},
    });
    let (status, body) = send(&state, getui).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

#[tokio::test]
async fn unknown_getui_fields_are_refused_with_their_path() {
    let state = state().await;
    let notification = json!({"title": "t", "body": "b", "click_type": "startapp"});
    let cases = [
        (json!({"transmission": "x", "push_channel": {"androd": {}}}), "push_channel"),
        (
            json!({"transmission": "x", "push_channel": {"android": {"ups": {"transmission": "t", "bogus": 1}}}}),
            "push_channel.android.ups",
        ),
        (
            json!({"transmission": "x", "push_channel": {"android": {"ups": {"notification":
            {"title": "t", "body": "b", "click_type": "startapp", "colour": "red"}}}}}),
            "push_channel.android.ups",
        ),
        (
            json!({"transmission": "x", "push_channel": {"ios": {"aps": {"alert": {"title": "t", "sub": "x"}}}}}),
            "push_channel.ios.aps.alert",
        ),
        (json!({"transmission": "x", "settings": {"ttl": 1, "speed": 0, "turbo": true}}), "settings"),
        (json!({"transmission": "x", "settingz": {}}), ""),
        (json!({"notification": {"title": "t", "body": "b", "click_type": "startapp", "sound": "x"}}), "notification"),
        (
            json!({"notification": notification, "push_channel": {"harmony": {"transmission": "t", "extra": 1}}}),
            "push_channel.harmony",
        ),
    ];
    for (getui, path) in cases {
        let (status, body) = send(&state, getui.clone()).await;
        if path.is_empty() {
            // The gateway's own object: a shape error.
            assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("malformed_json")), "{body}");
            continue;
        }
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{getui}: {body}");
        assert_eq!(body["code"], "validation_failed", "{body}");
        let field = body["field"].as_str().unwrap_or_default();
        assert!(field.starts_with(&format!("content.getui.{path}")), "{getui}: field {field:?} in {body}");
        assert!(body["message"].as_str().unwrap().contains("unknown field"), "{body}");
    }
}

#[tokio::test]
async fn a_100000_deep_object_is_refused_cleanly() {
    let state = state().await;
    let depth = 100_000;
    for prefix in [
        r#"{"transmission":"x","push_channel":{"deep":"#,
        r#"{"transmission":"x","push_channel":{"android":{"ups":{"transmission":"t","options":{"HW":{"k":"#,
    ] {
        let mut body = format!(r#"{{"channel":"app","to":{{"cids":["c"]}},"content":{{"getui":{prefix}"#);
        body.push_str(&"{\"a\":".repeat(depth));
        body.push('1');
        body.push_str(&"}".repeat(depth + prefix.matches('{').count() + 3));
        let (status, answer) =
            call(&state, "POST", "/v1/messages", &format!("Bearer {KEY}"), Some(body.into_bytes())).await;
        assert!(status.is_client_error(), "{status}: {answer}");
        assert!(
            ["malformed_json", "validation_failed"].contains(&answer["code"].as_str().unwrap_or_default()),
            "{answer}"
        );
    }
    let (status, page) = call(&state, "GET", "/v1/messages", &format!("Bearer {KEY}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"], json!([]), "nothing was stored");
}
