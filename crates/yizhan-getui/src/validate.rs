//! Client-side validation: every check runs before a request is sent, and every failure names
//! the JSON path of the field and the limit it broke.
//!
//! Getui documents its limits as "长度 ≤ N" without a unit. These helpers count Unicode scalar
//! values (`chars`), the conservative reading (docs/getui-client.md, mistake 15): the server has
//! the last word.

use std::collections::HashMap;
pub use yizhan_core::validate::{ValidationError, count, max_chars, required};

/// `prefix.name`, a JSON path one level down (`name` alone when `prefix` is empty).
pub fn at(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") }
}

/// `path[index]`, a JSON path to a list item.
pub fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// Required, and at most `max` characters.
pub fn required_max_chars(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    required(field, value)?;
    max_chars(field, value, max)
}

/// [`max_chars`] for an optional field.
pub fn opt_max_chars(field: &str, value: Option<&str>, max: usize) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| max_chars(field, v, max))
}

/// Fails when `value` is outside `min..=max`.
pub fn range(field: &str, value: i64, min: i64, max: i64) -> Result<(), ValidationError> {
    if value < min || value > max {
        return Err(ValidationError::new(field, format_args!("is {value}; it must be {min} to {max}")));
    }
    Ok(())
}

/// [`range`] for an optional field.
pub fn opt_range(field: &str, value: Option<i64>, min: i64, max: i64) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| range(field, v, min, max))
}

/// Fails on the first value that repeats an earlier one; `path` is the list's path.
pub fn unique<'a>(path: &str, values: impl IntoIterator<Item = &'a str>) -> Result<(), ValidationError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, value) in values.into_iter().enumerate() {
        if let Some(first) = seen.insert(value, i) {
            return Err(ValidationError::new(
                item(path, i),
                format_args!("{value:?} repeats item [{first}]; Getui rejects duplicates"),
            ));
        }
    }
    Ok(())
}

/// Characters that must never appear in an id Getui puts in a URL path or joins with commas
/// (docs/getui-client.md, mistake 11): the comma is the list separator, and `/ ? # %` change the
/// URL.
pub const PATH_RESERVED: [char; 5] = [',', '/', '?', '#', '%'];

/// An identifier used in a body or a path (cid, alias, taskid): not blank, at most `max`
/// characters, no whitespace or control characters, none of [`PATH_RESERVED`].
pub fn identifier(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    required(field, value)?;
    max_chars(field, value, max)?;
    if let Some(c) = value.chars().find(|c| c.is_whitespace() || c.is_control() || PATH_RESERVED.contains(c)) {
        return Err(ValidationError::new(
            field,
            format_args!("contains {c:?}; whitespace, control characters and , / ? # % are not allowed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_field_and_limit() {
        let e = max_chars("push_message.notification.title", &"字".repeat(51), 50).unwrap_err();
        assert_eq!(e.to_string(), "push_message.notification.title: is 51 characters; the limit is 50 characters");
        let e = count("msg_list", 201, 1, 200).unwrap_err();
        assert_eq!(e.to_string(), "msg_list: has 201 items; it must have 1 to 200");
        let e = range("settings.ttl", -2, -1, 259_200_000).unwrap_err();
        assert_eq!(e.to_string(), "settings.ttl: is -2; it must be -1 to 259200000");
        assert_eq!(e.within("msg_list[2]").field, "msg_list[2].settings.ttl");
    }

    #[test]
    fn helpers_accept_the_boundary_and_reject_one_past_it() {
        assert!(max_chars("x", &"字".repeat(4), 4).is_ok());
        assert!(max_chars("x", &"字".repeat(5), 4).is_err());
        assert!(required("x", " \n").is_err());
        assert!(required_max_chars("x", "", 3).is_err());
        assert!(opt_max_chars("x", None, 0).is_ok());
        assert!(opt_max_chars("x", Some("ab"), 1).is_err());
        assert!(range("x", 0, 0, 4).is_ok() && range("x", 4, 0, 4).is_ok());
        assert!(range("x", 5, 0, 4).is_err());
        assert!(opt_range("x", None, 0, 0).is_ok());
        assert_eq!(at("", "a"), "a");
        assert_eq!(at("a", "b"), "a.b");
        assert_eq!(item("a.b", 3), "a.b[3]");
    }

    #[test]
    fn unique_names_the_repeat() {
        let e = unique("audience.cid", ["a", "b", "a"]).unwrap_err();
        assert_eq!(e.field, "audience.cid[2]");
        assert!(e.problem.contains("repeats item [0]"), "{e}");
        assert!(unique("x", ["a", "b"]).is_ok());
    }

    #[test]
    fn identifiers_reject_separators_and_blanks() {
        assert!(identifier("cid", "0e4c0b53f2c8a6b7d9e1f3a5c7b9d1e3", 64).is_ok());
        assert!(identifier("alias", "张三_01", 39).is_ok());
        for bad in ["", " ", "a,b", "a/b", "a?b", "a#b", "a%20b", "a b", "a\nb"] {
            assert!(identifier("cid", bad, 64).is_err(), "{bad:?} must be rejected");
        }
        assert!(identifier("cid", "abcd", 3).is_err());
    }
}
