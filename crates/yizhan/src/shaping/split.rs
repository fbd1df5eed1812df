//! Rewriting a WeCom `message/send` body for a subset of its users, so that a dispatch can be
//! split into the users within budget and the rest.
//!
//! Only `touser` changes. The part that goes now keeps `toparty`/`totag` (they were admitted
//! per call); the deferred part addresses its users only. Everything else — content, `agentid`,
//! `safe`, the duplicate check — is kept, so each part is the original message to fewer people.

use serde_json::Value;

/// `body` with `touser` set to `users` (joined by `|`) and, unless `keep_groups`, without
/// `toparty` and `totag`. `None` when the body is not a JSON object.
pub fn with_users<S: AsRef<str>>(body: &[u8], users: &[S], keep_groups: bool) -> Option<Vec<u8>> {
    let mut json: Value = serde_json::from_slice(body).ok()?;
    let object = json.as_object_mut()?;
    let joined: Vec<&str> = users.iter().map(AsRef::as_ref).collect();
    object.insert("touser".to_owned(), Value::String(joined.join("|")));
    if !keep_groups {
        object.remove("toparty");
        object.remove("totag");
    }
    serde_json::to_vec(&json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_recipients_change() {
        let body = br#"{"touser":"a|b|c","toparty":"2","msgtype":"text","agentid":7,"text":{"content":"hi"},"enable_duplicate_check":1}"#;
        let keep: Value = serde_json::from_slice(&with_users(body, &["a", "c"], true).unwrap()).unwrap();
        assert_eq!(keep["touser"], "a|c");
        assert_eq!(keep["toparty"], "2");
        assert_eq!(keep["text"]["content"], "hi");
        assert_eq!(keep["enable_duplicate_check"], 1);
        let defer: Value = serde_json::from_slice(&with_users(body, &["b"], false).unwrap()).unwrap();
        assert_eq!(defer["touser"], "b");
        assert!(defer.get("toparty").is_none());
        assert_eq!(defer["agentid"], 7);
        assert!(with_users(b"[1]", &["a"], true).is_none());
        assert!(with_users(b"not json", &["a"], true).is_none());
    }
}
