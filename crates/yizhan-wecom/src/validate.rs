//! Client-side validation: every check runs before a request is sent, and every failure names
//! the field and the limit it broke.

use std::fmt;

/// A request that the provider would reject (or silently mangle), caught before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ValidationError {
    /// The JSON path of the offending field, e.g. `news.articles[3].title` or `touser`.
    pub field: String,
    /// What is wrong, naming the limit, e.g. `is 2100 bytes; the limit is 2048 bytes (UTF-8)`.
    pub problem: String,
}

impl ValidationError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, problem: impl fmt::Display) -> Self {
        ValidationError { field: field.into(), problem: problem.to_string() }
    }
}

/// Fails when `value` is empty.
pub fn required(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, "is required and must not be empty"));
    }
    Ok(())
}

/// Fails when `value` is longer than `max` UTF-8 bytes.
pub fn max_bytes(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    let len = value.len();
    if len > max {
        return Err(ValidationError::new(field, format_args!("is {len} bytes; the limit is {max} bytes (UTF-8)")));
    }
    Ok(())
}

/// Fails when `value` has more than `max` characters.
pub fn max_chars(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if len > max {
        return Err(ValidationError::new(field, format_args!("is {len} characters; the limit is {max} characters")));
    }
    Ok(())
}

/// Fails when a list has fewer than `min` or more than `max` items.
pub fn count(field: &str, len: usize, min: usize, max: usize) -> Result<(), ValidationError> {
    if len < min || len > max {
        return Err(ValidationError::new(field, format_args!("has {len} items; it must have {min} to {max}")));
    }
    Ok(())
}

/// Fails unless `value` starts with `http://` or `https://`.
pub fn http_url(field: &str, value: &str) -> Result<(), ValidationError> {
    if !(value.starts_with("http://") || value.starts_with("https://")) {
        return Err(ValidationError::new(field, "must be an http:// or https:// URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_field_and_limit() {
        let e = max_bytes("text.content", &"字".repeat(700), 2048).unwrap_err();
        assert_eq!(e.to_string(), "text.content: is 2100 bytes; the limit is 2048 bytes (UTF-8)");
        let e = count("news.articles", 9, 1, 8).unwrap_err();
        assert_eq!(e.to_string(), "news.articles: has 9 items; it must have 1 to 8");
        assert!(max_bytes("x", &"a".repeat(2048), 2048).is_ok());
        assert!(max_chars("x", &"字".repeat(4), 4).is_ok());
        assert!(max_chars("x", &"字".repeat(5), 4).is_err());
        assert!(required("x", "  ").is_err());
        assert!(http_url("x", "ftp://a").is_err());
        assert!(http_url("x", "https://a").is_ok());
    }
}
