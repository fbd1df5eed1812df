//! What the generated OpenAPI document cannot say by itself, added after generation, so that
//! the document states every shape rule the server enforces: the `status` filter's values, the
//! batch's size bounds (and that its items are checked one by one), and that a `content`
//! variant object holds nothing but its one key.

use serde_json::{Value, json};

use super::MAX_BATCH;

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
