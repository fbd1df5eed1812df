//! Recipients of an application message: users, departments (parties) and tags.

use serde::{Deserialize, Serialize};

use crate::validate::ValidationError;

/// The special `touser` value meaning every member in the application's visible range.
pub const ALL_USERS: &str = "@all";
/// At most this many user ids per call.
pub const MAX_USERS: usize = 1000;
/// At most this many department ids per call.
pub const MAX_PARTIES: usize = 100;
/// At most this many tag ids per call.
pub const MAX_TAGS: usize = 100;

/// Who receives a message. At least one list must be non-empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipients {
    /// User ids, or the single entry `@all`.
    #[serde(default)]
    pub users: Vec<String>,
    /// Department ids.
    #[serde(default)]
    pub parties: Vec<String>,
    /// Tag ids.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl Recipients {
    /// Every member in the application's visible range.
    pub fn all() -> Self {
        Recipients { users: vec![ALL_USERS.to_owned()], ..Default::default() }
    }

    /// The given users.
    pub fn users<I, S>(users: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Recipients { users: users.into_iter().map(Into::into).collect(), ..Default::default() }
    }

    /// True when addressed to `@all`.
    pub fn is_all(&self) -> bool {
        self.users.iter().any(|u| u == ALL_USERS)
    }

    /// Checks the counts and the id syntax.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.users.is_empty() && self.parties.is_empty() && self.tags.is_empty() {
            return Err(ValidationError::new("touser", "no recipient: give at least one of touser, toparty or totag"));
        }
        if self.is_all() && self.users.len() > 1 {
            return Err(ValidationError::new("touser", "@all must be the only user entry"));
        }
        for (field, list, max) in [
            ("touser", &self.users, MAX_USERS),
            ("toparty", &self.parties, MAX_PARTIES),
            ("totag", &self.tags, MAX_TAGS),
        ] {
            if list.len() > max {
                return Err(ValidationError::new(
                    field,
                    format_args!("has {} ids; the limit is {max} per call", list.len()),
                ));
            }
            if let Some(bad) = list.iter().find(|id| id.trim().is_empty() || id.contains('|')) {
                return Err(ValidationError::new(field, format_args!("id {bad:?} is empty or contains '|'")));
            }
        }
        if let Some(bad) = self.users.iter().find(|u| *u != ALL_USERS && !is_valid_userid(u)) {
            return Err(ValidationError::new(
                "touser",
                format_args!("user id {bad:?} is invalid: 1-64 characters of letters, digits, '-', '_', '.', '@'"),
            ));
        }
        for (field, list) in [("toparty", &self.parties), ("totag", &self.tags)] {
            if let Some(bad) = list.iter().find(|id| !id.trim().chars().all(|c| c.is_ascii_digit())) {
                return Err(ValidationError::new(field, format_args!("id {bad:?} must be a number")));
            }
        }
        Ok(())
    }

    /// The `touser`, `toparty` and `totag` strings; empty lists become `None`.
    pub fn to_wire(&self) -> (Option<String>, Option<String>, Option<String>) {
        let join = |l: &Vec<String>| if l.is_empty() { None } else { Some(l.join("|")) };
        (join(&self.users), join(&self.parties), join(&self.tags))
    }
}

/// WeCom user ids: 1–64 characters of letters, digits and `-_.@` (WeCom docs: 全局错误码, 40003).
pub(crate) fn is_valid_userid(id: &str) -> bool {
    let id = id.trim();
    (1..=64).contains(&id.chars().count())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
}

/// Splits a `|`-joined id list, trimming spaces and dropping empty entries.
pub fn split_ids(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default().split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_enforced_with_the_limit_in_the_message() {
        let r = Recipients::users((0..1001).map(|i| format!("u{i}")));
        let e = r.validate().unwrap_err();
        assert_eq!(e.field, "touser");
        assert!(e.problem.contains("1001") && e.problem.contains("1000"), "{e}");
        let r = Recipients { parties: (0..101).map(|i| i.to_string()).collect(), ..Default::default() };
        assert_eq!(r.validate().unwrap_err().field, "toparty");
        let r = Recipients { tags: (0..101).map(|i| i.to_string()).collect(), ..Default::default() };
        assert_eq!(r.validate().unwrap_err().field, "totag");
        assert!(Recipients::users((0..1000).map(|i| format!("u{i}"))).validate().is_ok());
    }

    #[test]
    fn at_least_one_recipient() {
        assert!(Recipients::default().validate().is_err());
        assert!(Recipients { tags: vec!["1".into()], ..Default::default() }.validate().is_ok());
    }

    #[test]
    fn all_is_alone_and_ids_are_checked() {
        assert!(Recipients::all().validate().is_ok());
        assert!(Recipients::users(["@all", "bob"]).validate().is_err());
        assert!(Recipients::users(["a|b"]).validate().is_err());
        assert!(Recipients::users(["张三"]).validate().is_err());
        assert!(Recipients { parties: vec!["x".into()], ..Default::default() }.validate().is_err());
    }

    #[test]
    fn wire_form_joins_with_bars_and_omits_empty() {
        let r = Recipients { users: vec!["a".into(), "b".into()], parties: vec![], tags: vec!["3".into()] };
        assert_eq!(r.to_wire(), (Some("a|b".into()), None, Some("3".into())));
        assert_eq!(split_ids(Some(" a | b ||c")), vec!["a", "b", "c"]);
    }
}
