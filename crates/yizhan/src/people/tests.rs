//! Resolving `to.people` per channel kind.

use std::collections::HashMap;

use super::*;
use crate::config::Config;

const CONFIG: &str = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww\"\nagent_id = 1\nsecret = \"s\"\n\
    [[channels]]\nname = \"mail\"\nkind = \"email\"\nhost = \"127.0.0.1\"\nsecurity = \"plain\"\nfrom = \"o@example.com\"\n\
    [[channels]]\nname = \"ding\"\nkind = \"dingtalk_robot\"\naccess_token = \"t\"\n\
    [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"i\"\napp_key = \"k\"\nmaster_secret = \"m\"\n\
    [[people]]\nid = \"alice\"\nwecom_userid = \"alice\"\nemail = \"alice@example.com\"\ndingtalk_mobile = \"13800000000\"\ngetui_alias = \"al\"\n\
    [[people]]\nid = \"bob\"\nwecom_userid = \"Bob\"\ndingtalk_user_id = \"bob01\"\ngetui_cid = \"cid-bob\"\n";

fn request(channel: &str, people: &[&str]) -> MessageRequest {
    serde_json::from_value(serde_json::json!({"channel": channel, "to": {"people": people}, "content": {"text": "hi"}}))
        .expect("request")
}

#[test]
fn each_kind_gets_its_own_ids() {
    let config = Config::parse(CONFIG, "t.toml", &HashMap::new()).expect("config");
    let resolve_for = |channel: &str, people: &[&str]| {
        let r = request(channel, people);
        resolve(&config.people, &r, config.channel(channel).expect("channel")).map(|c| c.into_owned())
    };
    let wecom = resolve_for("ops", &["alice", "bob"]).expect("wecom");
    assert_eq!(wecom.to.users, ["alice", "Bob"]);
    assert!(wecom.to.people.is_empty());
    let ding = resolve_for("ding", &["alice", "bob"]).expect("dingtalk");
    assert_eq!(
        (ding.to.mentions.as_slice(), ding.to.mention_mobiles.as_slice()),
        (&["bob01".to_owned()][..], &["13800000000".to_owned()][..])
    );
    let getui = resolve_for("app", &["bob"]).expect("getui");
    assert_eq!(getui.to.cids, ["cid-bob"]);
    assert_eq!(resolve_for("app", &["alice"]).expect("alias").to.aliases, ["al"]);
    let mail = resolve_for("mail", &["alice"]).expect("email");
    assert_eq!(mail.to.emails, ["alice@example.com"]);

    let missing = resolve_for("mail", &["alice", "bob"]).expect_err("bob has no email");
    assert_eq!(missing.field.as_deref(), Some("to.people[1]"));
    assert!(missing.message.contains("\"bob\" has no email"), "{}", missing.message);
    let unknown = resolve_for("ops", &["zed"]).expect_err("unknown");
    assert_eq!(unknown.field.as_deref(), Some("to.people[0]"));
    assert!(unknown.message.contains("no person \"zed\""), "{}", unknown.message);
}

#[test]
fn duplicate_ids_are_a_configuration_problem() {
    let text = format!("{CONFIG}[[people]]\nid = \"bob\"\n");
    let e = Config::parse(&text, "t.toml", &HashMap::new()).expect_err("duplicate").to_string();
    assert!(e.contains("people[2].id") && e.contains("earlier person"), "{e}");
}
