//! Small validation helpers shared by the payload modules, on top of [`crate::validate`].

use std::collections::HashMap;

use crate::validate::{self, ValidationError};

/// `prefix.name`, a JSON path one level down.
pub(crate) fn at(prefix: &str, name: &str) -> String {
    format!("{prefix}.{name}")
}

/// `prefix.name[index]`, a JSON path to a list item.
pub(crate) fn item(prefix: &str, name: &str, index: usize) -> String {
    format!("{prefix}.{name}[{index}]")
}

/// True when `value` is set to something other than blanks.
pub(crate) fn is_set(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

/// Fails when the optional `value` is missing or blank; `why` says when it is required.
pub(crate) fn required_when(field: &str, value: Option<&str>, why: &str) -> Result<(), ValidationError> {
    if is_set(value) { Ok(()) } else { Err(ValidationError::new(field, format_args!("is required {why}"))) }
}

/// [`validate::max_bytes`] for an optional field.
pub(crate) fn opt_max_bytes(field: &str, value: Option<&str>, max: usize) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| validate::max_bytes(field, v, max))
}

/// [`validate::max_chars`] for an optional field.
pub(crate) fn opt_max_chars(field: &str, value: Option<&str>, max: usize) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| validate::max_chars(field, v, max))
}

/// Required and at most `max` bytes.
pub(crate) fn required_max_bytes(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    validate::required(field, value)?;
    validate::max_bytes(field, value, max)
}

/// Fails on the first non-empty value that repeats an earlier one. `field(i)` is the path of
/// item `i`; `scope` says where the values must be unique, e.g. `within the question`.
pub(crate) fn unique<'a>(
    values: impl IntoIterator<Item = &'a str>,
    field: impl Fn(usize) -> String,
    scope: &str,
) -> Result<(), ValidationError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, value) in values.into_iter().enumerate().filter(|(_, v)| !v.is_empty()) {
        if let Some(first) = seen.insert(value, i) {
            return Err(ValidationError::new(
                field(i),
                format_args!("{value:?} repeats item [{first}]; it must be unique {scope}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_the_repeat_and_the_first() {
        let e = unique(["a", "b", "a"], |i| format!("x[{i}].id"), "within the question").expect_err("a repeats");
        assert_eq!(e.field, "x[2].id");
        assert_eq!(e.problem, "\"a\" repeats item [0]; it must be unique within the question");
        assert!(unique(["a", "", ""], |i| format!("x[{i}]"), "").is_ok());
    }

    #[test]
    fn optional_helpers_skip_none_and_check_some() {
        assert!(opt_max_bytes("f", None, 1).is_ok());
        assert!(opt_max_bytes("f", Some("ab"), 1).is_err());
        assert!(opt_max_chars("f", Some("字字"), 2).is_ok());
        assert!(required_when("f", Some(" "), "when x").is_err());
        assert_eq!(required_when("f", None, "when x").expect_err("missing").problem, "is required when x");
    }
}
