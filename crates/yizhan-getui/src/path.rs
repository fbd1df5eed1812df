//! Path segments: percent-encoded, comma-joined for multi-value segments, and refused before
//! sending when a single value would change the path's meaning (docs/getui-client.md, mistake 11).

use crate::validate::ValidationError;

/// Characters that may not appear in a single-value segment even after encoding would make them
/// harmless: they are path, query, fragment and list separators at Getui.
const FORBIDDEN: [char; 4] = ['/', '?', '#', ','];

/// Encodes one value (a cid, an alias, a tag, a taskid) for use as a path segment.
pub fn segment(field: &str, value: &str) -> Result<String, ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if let Some(c) = value.chars().find(|c| FORBIDDEN.contains(c)) {
        return Err(ValidationError::new(
            field,
            format_args!("{value:?} contains {c:?}, which cannot be sent in a URL path"),
        ));
    }
    Ok(percent_encode(value))
}

/// Encodes several values as one comma-joined segment (`/user/status/cid1,cid2`), at most `max`.
pub fn list_segment<S: AsRef<str>>(field: &str, values: &[S], max: usize) -> Result<String, ValidationError> {
    if values.is_empty() || values.len() > max {
        return Err(ValidationError::new(field, format_args!("has {} values; it must have 1 to {max}", values.len())));
    }
    let encoded: Result<Vec<_>, _> =
        values.iter().enumerate().map(|(i, v)| segment(&format!("{field}[{i}]"), v.as_ref())).collect();
    Ok(encoded?.join(","))
}

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const ENCODED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, ENCODED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_non_ascii_and_reserved_characters() {
        assert_eq!(segment("alias", "张三").unwrap(), "%E5%BC%A0%E4%B8%89");
        assert_eq!(segment("cid", "cid-alice_1.x~").unwrap(), "cid-alice_1.x~");
        assert_eq!(segment("tag", "a b+c").unwrap(), "a%20b%2Bc");
    }

    #[test]
    fn refuses_separators_in_single_values() {
        for bad in ["a/b", "a?b", "a#b", "a,b"] {
            let e = segment("alias", bad).unwrap_err();
            assert_eq!(e.field, "alias");
        }
        assert!(segment("cid", "").is_err());
    }

    #[test]
    fn joins_lists_with_commas_and_checks_counts() {
        assert_eq!(list_segment("cids", &["a", "b"], 1000).unwrap(), "a,b");
        assert!(list_segment::<&str>("cids", &[], 1000).is_err());
        assert!(list_segment("cids", &["a", "b"], 1).is_err());
        assert_eq!(list_segment("cids", &["a", "b,c"], 10).unwrap_err().field, "cids[1]");
    }
}
