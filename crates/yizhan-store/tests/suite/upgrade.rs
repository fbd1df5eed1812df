//! Upgrading a database that holds dispatches written before `dispatches.resend_safe` existed:
//! the migration gives each row the value the earlier rule gave, read from its endpoint and the
//! body it sends (docs/gateway.md, "Resend safety").

use std::path::Path;

use sqlx::migrate::Migrator;
use yizhan_store::Store;

use super::{LEASE, T0};

/// The version of the migration that adds `dispatches.resend_safe`.
pub const RESEND_SAFE: i64 = 20261207100000;

/// One dispatch stored by an older build.
pub struct OldRow {
    /// Its endpoint.
    pub endpoint: &'static str,
    /// Its body.
    pub body: &'static str,
    /// The merged call it carries, if it is a coalescing leader.
    pub merged: Option<&'static str>,
    /// Whether the earlier rule resent it after an ambiguous failure.
    pub safe: bool,
}

const fn row(endpoint: &'static str, body: &'static str, merged: Option<&'static str>, safe: bool) -> OldRow {
    OldRow { endpoint, body, merged, safe }
}

/// Rows of every endpoint, with and without the provider's dedupe identity.
pub const OLD_ROWS: &[OldRow] = &[
    row("wecom.message_send", r#"{"touser":"a","enable_duplicate_check":1}"#, None, true),
    row("wecom.message_send", r#"{"touser":"a","enable_duplicate_check":0}"#, None, false),
    row("wecom.message_send", r#"{"touser":"a","enable_duplicate_check":true}"#, None, false),
    row("wecom.message_send", r#"{"touser":"a"}"#, None, false),
    row("wecom.message_send", "not json", None, false),
    row(
        "wecom.message_send",
        r#"{"touser":"a","enable_duplicate_check":1}"#,
        Some(r#"{"touser":"a|b","enable_duplicate_check":1}"#),
        true,
    ),
    row("wecom.appchat_send", r#"{"chatid":"c","enable_duplicate_check":1}"#, None, false),
    row("wecom.webhook_send", r#"{"msgtype":"text","enable_duplicate_check":1}"#, None, false),
    row("getui.push_single_cid", r#"{"request_id":"r1","audience":{"cid":["c"]}}"#, None, true),
    row("getui.push_single_alias", r#"{"request_id":"","audience":{"alias":["a"]}}"#, None, false),
    row(
        "getui.push_single_cid",
        r#"{"request_id":"r2","audience":{"cid":["c"]}}"#,
        Some(r#"{"message":{"request_id":"r3"},"audience":{"cid":["c","d"]}}"#),
        false,
    ),
    row("getui.push_list_message", r#"{"request_id":"r4"}"#, None, true),
    row("getui.push_list", r#"{"message":{"request_id":"r5"},"audience":{"cid":["c"]}}"#, None, true),
    row("getui.push_list_cid", r#"{"taskid":"{{yizhan:taskid}}","audience":{"cid":["c"]}}"#, None, false),
    row("getui.push_tag", r#"{"request_id":"r6","audience":{"tag":[]}}"#, None, true),
];

/// The migrations of `dir` (under the crate) older than [`RESEND_SAFE`]: what an older build
/// applied.
pub async fn before_resend_safe(dir: &str) -> Migrator {
    let mut migrator = Migrator::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).await.expect("read migrations");
    let older: Vec<_> = migrator.migrations.iter().filter(|m| m.version < RESEND_SAFE).cloned().collect();
    assert!(older.len() < migrator.migrations.len(), "the resend_safe migration exists");
    migrator.migrations = older.into();
    migrator
}

/// The statement that stores the message of the old rows (`?1`: its id).
pub const MESSAGE_SQL: &str = "INSERT INTO messages (id, channel, request, status, send_at_ms, created_at_ms, \
     updated_at_ms) VALUES (?1, 'ops', '{}', 'accepted', 0, 0, 0)";

/// The statement that stores one old row (`?1` message id, `?2` seq, `?3` endpoint, `?4` body,
/// `?5` merged body).
pub const DISPATCH_SQL: &str = "INSERT INTO dispatches (message_id, seq, endpoint, body, merged_body, recipients, \
     status, next_attempt_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, '[\"r\"]', 'pending', 0, 0)";

/// Claims every old row from the upgraded `store` and checks each one's resend safety.
pub async fn check(store: &Store) {
    let claimed = store.claim_due("w", T0, LEASE, 100).await.expect("claim");
    let got: Vec<(i64, &str, bool)> = claimed.iter().map(|c| (c.seq, c.endpoint.as_str(), c.resend_safe)).collect();
    let want: Vec<(i64, &str, bool)> =
        OLD_ROWS.iter().enumerate().map(|(seq, r)| (i64::try_from(seq).expect("seq"), r.endpoint, r.safe)).collect();
    assert_eq!(got, want);
}
