//! The API's error body and its catalogue of stable codes.
//!
//! Every error the HTTP API answers is an [`ApiError`]: an HTTP status, a stable machine code
//! from [`CATALOGUE`], a human message, and for validation errors the JSON path of the request
//! field that broke a rule. Only `{code, message, field?}` is serialized; the status goes on the
//! response line.

use serde::Serialize;
use utoipa::ToSchema;

/// Every code the API answers with, and its HTTP status. Codes are stable: clients may match on
/// them; messages are for humans and may change.
pub const CATALOGUE: &[(&str, u16)] = &[
    ("malformed_json", 400),
    ("unauthorized", 401),
    ("forbidden", 403),
    ("not_found", 404),
    ("conflict", 409),
    ("payload_too_large", 413),
    ("validation_failed", 422),
    ("idempotency_mismatch", 422),
    ("internal", 500),
    ("unavailable", 503),
];

/// An API error: `{"code": "validation_failed", "message": "…", "field": "to.users"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The HTTP status (not serialized).
    #[serde(skip)]
    #[schema(ignore)]
    pub status: u16,
    /// A stable code: `malformed_json`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `payload_too_large`, `validation_failed`, `idempotency_mismatch`, `internal` or
    /// `unavailable`.
    #[schema(value_type = String, example = "validation_failed")]
    pub code: &'static str,
    /// What went wrong, for humans; validation messages name the field and the limit.
    #[schema(example = "to.users: has 1001 ids; the limit is 1000 per call")]
    pub message: String,
    /// The JSON path of the offending request field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "to.users")]
    pub field: Option<String>,
    /// A validation error in the provider's own words (`text.content: …`), which `yizhan send`
    /// prints (not serialized).
    #[serde(skip)]
    #[schema(ignore)]
    pub provider: Option<String>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None, provider: None }
    }

    /// 400 `malformed_json`: the body is not JSON or does not have the request's shape.
    pub fn malformed_json(message: impl Into<String>) -> Self {
        Self::new(400, "malformed_json", message)
    }

    /// 401 `unauthorized`: no API key, or an unknown one.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    /// 403 `forbidden`: the key is valid but not scoped to the channel.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    /// 404 `not_found`: no such message or channel.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    /// 409 `conflict`: the message is in a state that does not allow the operation.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "conflict", message)
    }

    /// 413 `payload_too_large`: the body is over the size limit.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(413, "payload_too_large", message)
    }

    /// 422 `validation_failed` naming `field`; the message is `"{field}: {problem}"`.
    pub fn validation(field: impl Into<String>, problem: impl std::fmt::Display) -> Self {
        let field = field.into();
        ApiError { field: Some(field.clone()), ..Self::new(422, "validation_failed", format!("{field}: {problem}")) }
    }

    /// 422 `idempotency_mismatch`: the Idempotency-Key was used with a different body.
    pub fn idempotency_mismatch(message: impl Into<String>) -> Self {
        Self::new(422, "idempotency_mismatch", message)
    }

    /// 500 `internal`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "internal", message)
    }

    /// 503 `unavailable`: the store cannot be used right now; the answer carries `Retry-After`
    /// and the request may be sent again as it is.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "unavailable", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_code_message_and_field_only() {
        let e = ApiError::validation("to.users", "has 1001 ids; the limit is 1000 per call");
        assert_eq!(e.status, 422);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "validation_failed", "field": "to.users",
                "message": "to.users: has 1001 ids; the limit is 1000 per call"})
        );
        let e = ApiError::unauthorized("missing API key");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "unauthorized", "message": "missing API key"})
        );
    }

    #[test]
    fn constructors_match_the_catalogue() {
        let all = [
            ApiError::malformed_json(""),
            ApiError::unauthorized(""),
            ApiError::forbidden(""),
            ApiError::not_found(""),
            ApiError::conflict(""),
            ApiError::payload_too_large(""),
            ApiError::validation("f", ""),
            ApiError::idempotency_mismatch(""),
            ApiError::internal(""),
            ApiError::unavailable(""),
        ];
        let pairs: Vec<(&str, u16)> = all.iter().map(|e| (e.code, e.status)).collect();
        assert_eq!(pairs, CATALOGUE);
    }
}
