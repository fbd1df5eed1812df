//! API request parsing never panics: arbitrary bytes and arbitrary JSON shaped like a message
//! request go through the gateway's request model (`MessageRequest`, as `POST /v1/messages`
//! parses it) and `plan()` for every channel kind. The proptest stand-in for the cargo-fuzz
//! target `crates/yizhan/fuzz/fuzz_targets/api_request.rs` (cargo-fuzz is not in CI).

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::gateway::{MessageRequest, plan};

const CONFIG: &str = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
                      secret = \"s\"\n\n[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"k\"\n\n\
                      [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"a\"\napp_key = \"k\"\nmaster_secret = \"m\"\n";

fn parse_and_plan(config: &Config, bytes: &[u8]) {
    if let Ok(request) = serde_json::from_slice::<MessageRequest>(bytes) {
        for name in ["ops", "bot", "app"] {
            let _ = plan(&request, config.channel(name).expect("channel"), 1_795_395_600_000);
        }
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
        prop_oneof![
            Just("2026-11-23T09:00:00+08:00"),
            Just("1970-01-01T00:00:00Z"),
            Just("9999-12-31T23:59:59Z"),
            Just("@all"),
            Just("split"),
            Just("startapp"),
            Just(""),
        ]
        .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let keys = prop_oneof![
        Just("channel"),
        Just("to"),
        Just("content"),
        Just("options"),
        Just("users"),
        Just("parties"),
        Just("tags"),
        Just("all"),
        Just("chatid"),
        Just("cids"),
        Just("aliases"),
        Just("tag_conditions"),
        Just("mentions"),
        Just("mention_mobiles"),
        Just("text"),
        Just("markdown"),
        Just("image"),
        Just("news"),
        Just("card"),
        Just("getui"),
        Just("notification"),
        Just("transmission"),
        Just("title"),
        Just("body"),
        Just("url"),
        Just("send_at"),
        Just("expires_at"),
        Just("safe"),
        Just("exact"),
        Just("overflow"),
        Just("request_id"),
        Just("duplicate_check_interval"),
        Just("media_id"),
        Just("articles"),
        Just("key"),
        Just("values"),
        Just("opt_type"),
        Just("click_type"),
    ];
    leaf().prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(str::to_owned), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    // 500 cases each in CI; PROPTEST_CASES=100000 for a long run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(500)
    ))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let config = Config::parse(CONFIG, "t.toml", &HashMap::new()).expect("config");
        parse_and_plan(&config, &bytes);
    }

    #[test]
    fn arbitrary_message_shaped_json_never_panics(
        channel in prop_oneof![Just("ops"), Just("bot"), Just("app")],
        to in json_value(),
        content in json_value(),
        options in json_value(),
    ) {
        let config = Config::parse(CONFIG, "t.toml", &HashMap::new()).expect("config");
        let body = json!({"channel": channel, "to": to, "content": content, "options": options});
        parse_and_plan(&config, body.to_string().as_bytes());
    }

    /// Requests that parse, with arbitrary values where `plan()` checks them.
    #[test]
    fn parseable_requests_with_arbitrary_values_never_panic(
        channel in prop_oneof![Just("ops"), Just("bot"), Just("app")],
        recipients in prop::collection::vec(".{0,12}", 0..4),
        field in prop_oneof![Just("users"), Just("parties"), Just("tags"), Just("cids"), Just("aliases"), Just("mentions")],
        kind in prop_oneof![Just("text"), Just("markdown")],
        text in ".{0,64}",
        send_at in prop_oneof![Just(None), ".{0,30}".prop_map(Some), Just(Some("2026-11-24T09:00:00+08:00".to_owned()))],
        interval in any::<Option<u32>>(),
        request_id in proptest::option::of(".{0,40}"),
    ) {
        let config = Config::parse(CONFIG, "t.toml", &HashMap::new()).expect("config");
        let mut options = json!({"duplicate_check_interval": interval, "request_id": request_id});
        if let Some(at) = send_at {
            options["send_at"] = json!(at);
        }
        let body = json!({"channel": channel, "to": {field: recipients}, "content": {kind: text}, "options": options});
        let bytes = body.to_string();
        let parsed = serde_json::from_str::<MessageRequest>(&bytes);
        prop_assert!(parsed.is_ok(), "{bytes}: {:?}", parsed.err());
        parse_and_plan(&config, bytes.as_bytes());
    }
}
