//! Serializers that write an `i64` as a decimal JSON string, the way Getui itself sends
//! `expire_time`, `last_login_time`, `create_time` and `push_time` (Getui REST v2 docs:
//! authentication, task API, user API).
//!
//! Used on response types so that an emulator built on them answers with the documented
//! shapes; [`super::de`] reads both forms back.

use serde::Serializer;

/// Writes `value` as a decimal string, e.g. `"1635994647342"`.
pub fn i64_as_string<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Writes `Some(value)` as a decimal string; pair it with
/// `skip_serializing_if = "Option::is_none"`.
pub fn opt_i64_as_string<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serializer.collect_str(v),
        None => serializer.serialize_none(),
    }
}
