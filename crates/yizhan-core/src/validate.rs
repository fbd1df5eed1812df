//! Client-side validation shared by every provider crate: an error that names the JSON path of
//! the field and the limit it broke, and the checks every provider needs. Provider crates add
//! their own (byte limits, URL rules) in their `validate` modules, which re-export these.

use std::fmt;

/// A request the provider would reject (or silently mangle), caught before sending.
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

    /// The same error one level down: `prefix.field`, e.g. `msg_list[3].` + `request_id`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}

/// Fails when `value` is empty or only whitespace.
pub fn required(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(field, "is required and must not be empty"));
    }
    Ok(())
}

/// Fails when `value` has more than `max` characters (Unicode scalar values).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field_and_the_limit() {
        assert_eq!(
            count("news.articles", 9, 1, 8).unwrap_err().to_string(),
            "news.articles: has 9 items; it must have 1 to 8"
        );
        assert!(max_chars("x", &"字".repeat(4), 4).is_ok());
        assert_eq!(
            max_chars("x", &"字".repeat(5), 4).unwrap_err().problem,
            "is 5 characters; the limit is 4 characters"
        );
        assert!(required("x", "  ").is_err());
        assert_eq!(ValidationError::new("id", "bad").within("msg_list[3]").field, "msg_list[3].id");
    }
}
