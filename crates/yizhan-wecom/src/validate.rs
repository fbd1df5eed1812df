//! Client-side validation: every check runs before a request is sent, and every failure names
//! the field and the limit it broke.

pub use yizhan_core::validate::{ValidationError, count, max_chars, required};

/// Fails when `value` is longer than `max` UTF-8 bytes.
pub fn max_bytes(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    let len = value.len();
    if len > max {
        return Err(ValidationError::new(field, format_args!("is {len} bytes; the limit is {max} bytes (UTF-8)")));
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
