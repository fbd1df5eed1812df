//! The routes of the OpenAPI document (`/openapi.json`, built on its first request) and of the
//! Swagger UI (`/docs`), and what the generated document cannot say by itself, added after
//! generation, so that the document states every shape rule the server enforces: the `status`
//! filter's values, the batch's size bounds (and that its items are checked one by one), and
//! that a `content` variant object holds nothing but its one key.

use std::sync::{Arc, OnceLock};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::MAX_BATCH;

/// `/openapi.json` and `/docs`. The document is built and serialised on the first request of
/// `/openapi.json` and kept as JSON text: building it at start-up held its tree in the heap of
/// every gateway, asked for or not (docs/benchmarks.md, "Idle memory after start-up").
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    let document: Arc<OnceLock<Bytes>> = Arc::default();
    let json = axum::routing::get(move || {
        let document = document.clone();
        async move { serve_document(&document) }
    });
    let ui = utoipa_swagger_ui::SwaggerUi::new("/docs").config(utoipa_swagger_ui::Config::from("/openapi.json"));
    axum::Router::from(ui).route("/openapi.json", json)
}

fn serve_document(document: &OnceLock<Bytes>) -> Response {
    let json = document.get_or_init(|| match serde_json::to_vec(&super::openapi()) {
        Ok(json) => json.into(),
        Err(e) => {
            // Not expected: the document is plain data with string keys.
            tracing::error!(error = %e, "the OpenAPI document does not serialise");
            Bytes::new()
        }
    });
    if json.is_empty() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response()
}

/// `spec` with the server's shape rules added.
pub(crate) fn tighten(spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let Ok(mut doc) = serde_json::to_value(&spec) else { return spec };
    patch(&mut doc);
    match serde_json::from_value(doc) {
        Ok(tight) => tight,
        Err(e) => {
            // A bug of `patch` (tested below); serve the document as generated.
            tracing::error!(error = %e, "the OpenAPI additions do not fit the document");
            spec
        }
    }
}

fn patch(doc: &mut Value) {
    let statuses: Vec<&str> = yizhan_store::MessageStatus::ALL.iter().map(|s| s.as_str()).collect();
    if let Some(params) = doc.pointer_mut("/paths/~1v1~1messages/get/parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut().filter(|p| p["name"] == "status") {
            p["schema"] = json!({"type": "string", "enum": statuses});
        }
    }
    if let Some(batch) = doc.pointer_mut("/components/schemas/BatchRequest") {
        batch["additionalProperties"] = json!(false);
        let messages = &mut batch["properties"]["messages"];
        messages["minItems"] = json!(1);
        messages["maxItems"] = json!(MAX_BATCH);
        // Each item is checked on its own: one that is not a valid request gets its error in
        // `results` while the others are accepted, so any JSON value is a valid item.
        let any = json!({"type": ["object", "array", "string", "number", "boolean", "null"]});
        messages["items"] = json!({"anyOf": [{"$ref": "#/components/schemas/MessageRequest"}, any]});
    }
    if let Some(variants) = doc.pointer_mut("/components/schemas/Content/oneOf").and_then(Value::as_array_mut) {
        for v in variants {
            v["additionalProperties"] = json!(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_states_the_enforced_rules() {
        let doc = serde_json::to_value(tighten(super::super::openapi())).unwrap();
        let params = doc.pointer("/paths/~1v1~1messages/get/parameters").unwrap().as_array().unwrap();
        let status = params.iter().find(|p| p["name"] == "status").unwrap();
        assert!(status["schema"]["enum"].as_array().unwrap().contains(&json!("delivered")));
        assert_eq!(doc.pointer("/components/schemas/BatchRequest/properties/messages/minItems"), Some(&json!(1)));
        let variants = doc.pointer("/components/schemas/Content/oneOf").unwrap().as_array().unwrap();
        assert!(variants.iter().all(|v| v["additionalProperties"] == json!(false)));
    }
}
