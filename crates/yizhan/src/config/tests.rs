//! Parsing, interpolation and the problems of `yizhan.toml`.

use std::collections::{BTreeSet, HashMap};

use secrecy::ExposeSecret;

use super::load::interpolate;
use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

const SAMPLE: &str = r#"
[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "wwyizhandemo"
agent_id = 1000002
secret = "${OPS_SECRET}"
base_url = "http://127.0.0.1:${PORT:-9400}"
"#;

#[test]
fn interpolates_secrets_and_defaults() {
    let c = Config::parse(SAMPLE, "t.toml", &env(&[("OPS_SECRET", "s3cr\"et")])).unwrap();
    let Some(ChannelConfig::WecomApp(ops)) = c.channel("ops") else { panic!("not wecom") };
    assert_eq!(ops.secret.expose_secret(), "s3cr\"et");
    assert_eq!(ops.base_url.as_deref(), Some("http://127.0.0.1:9400"));
    assert!(ops.duplicate_check);
    assert!(!format!("{c:?}").contains("s3cr"), "Debug must redact the secret");
}

#[test]
fn a_missing_variable_fails_only_what_uses_it() {
    let text = format!("{SAMPLE}\n[store]\nurl = \"${{DB}}\"\n");
    let e = Config::parse(&text, "t.toml", &env(&[])).unwrap_err().to_string();
    assert!(e.starts_with("t.toml:11:1: store.url: environment variable DB is not set"), "{e}");
    assert!(!e.contains("OPS_SECRET"), "the channel's variable makes only the channel unusable: {e}");
    let c = Config::parse(SAMPLE, "t.toml", &env(&[])).unwrap();
    assert!(c.channel("ops").is_none());
    let why = c.find_channel("ops").unwrap_err();
    assert!(why.contains("OPS_SECRET") && why.contains("t.toml:7:1: channels[0].secret"), "{why}");
}

#[test]
fn every_problem_is_located_and_misspelt_keys_get_a_suggestion() {
    let text = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww\"\nagent_id = 1\nsecret = \"s\"\n\
                base_url = \"127.0.0.1:9400\"\n\n[[channels]]\nname = \"app\"\nkind = \"wecom_app\"\ncorpid = \"ww\"\n\
                agent_id = \"x\"\nsecret = \"s\"\n\n[server]\nlisen = \"x\"\n";
    let e = Config::parse(text, "t.toml", &env(&[])).unwrap_err().to_string();
    let lines: Vec<&str> = e.lines().collect();
    assert!(lines.contains(&"t.toml:12:1: channels[1].corpid: unknown key `corpid`; did you mean `corp_id`?"), "{e}");
    assert!(lines.contains(&"t.toml:17:1: server.lisen: unknown key `lisen`; did you mean `listen`?"), "{e}");
    assert!(e.contains("t.toml:7:1: channels[0].base_url: \"127.0.0.1:9400\" has no scheme"), "{e}");
    assert!(e.contains("channels[1].agent_id: invalid type: a string, expected i64"), "{e}");
    assert!(!e.contains("\"x\""), "wrongly typed string values are not echoed: {e}");
}

#[test]
fn escapes_and_plain_dollars_survive() {
    let mut missing = BTreeSet::new();
    assert_eq!(interpolate("a$$b $c ${X}", &env(&[("X", "1")]), &mut missing), "a$b $c 1");
    assert!(missing.is_empty());
}

#[test]
fn syntax_errors_do_not_echo_the_line() {
    let e = Config::parse("secret = \"literal-secret\n", "t.toml", &env(&[])).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("t.toml:1:"), "{text}");
    assert!(!text.contains("literal-secret"), "{text}");
}

#[test]
fn unknown_keys_and_kinds_are_named() {
    let e = Config::parse("[server]\nlisten = \"x\"\nlisen = 1\n", "t.toml", &env(&[])).unwrap_err();
    assert!(e.to_string().contains("lisen"), "{e}");
    let e = Config::parse("[[channels]]\nname = \"a\"\nkind = \"fax\"\n", "t.toml", &env(&[])).unwrap_err();
    assert!(e.to_string().contains("fax"), "{e}");
}

#[test]
fn duplicate_names_and_bad_intervals_are_rejected() {
    let twice = format!("{SAMPLE}{SAMPLE}");
    let e = Config::parse(&twice, "t.toml", &env(&[("OPS_SECRET", "x")])).unwrap_err();
    assert!(e.to_string().contains("used twice"), "{e}");
    let bad = format!("{SAMPLE}duplicate_check_interval = 20000\n");
    let e = Config::parse(&bad, "t.toml", &env(&[("OPS_SECRET", "x")])).unwrap_err();
    assert!(e.to_string().contains("14400"), "{e}");
}

#[test]
fn getui_channels_parse_with_redacted_secrets() {
    let text = "[[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\n\
                app_key = \"${K}\"\nmaster_secret = \"${M}\"\nbase_urls = [\"http://127.0.0.1:1\", \"http://127.0.0.1:2\"]\n";
    let c = Config::parse(text, "t.toml", &env(&[("K", "key-123"), ("M", "master-456")])).unwrap();
    let Some(ChannelConfig::Getui(app)) = c.channel("app") else { panic!("not getui") };
    assert_eq!(app.master_secret.expose_secret(), "master-456");
    assert_eq!(app.base_urls.len(), 2);
    let debug = format!("{c:?}");
    assert!(!debug.contains("key-123") && !debug.contains("master-456"), "{debug}");
}

#[test]
fn robot_channels_parse_with_a_redacted_key() {
    let text = "[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"${K}\"\n";
    let c = Config::parse(text, "t.toml", &env(&[("K", "693a91f6-7xxx-key")])).unwrap();
    let Some(ChannelConfig::WecomRobot(bot)) = c.channel("bot") else { panic!("not a robot") };
    assert_eq!(bot.key.expose_secret(), "693a91f6-7xxx-key");
    assert!(!format!("{c:?}").contains("693a91f6"), "Debug must redact the key");
    let url = Config::parse(text, "t.toml", &env(&[("K", "https://qyapi.weixin.qq.com/x?key=abc")])).unwrap_err();
    assert!(url.to_string().contains("key="), "{url}");
    assert!(!url.to_string().contains("abc"), "{url}");
    let e = Config::parse("[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\n", "t.toml", &env(&[])).unwrap_err();
    assert!(e.to_string().contains("key"), "{e}");
}

#[test]
fn the_example_config_parses() {
    let vars = env(&[
        ("WECOM_OPS_SECRET", "x"),
        ("WECOM_ROBOT_KEY", "r"),
        ("GETUI_APP_KEY", "k"),
        ("GETUI_MASTER_SECRET", "m"),
        ("DINGTALK_TOKEN", "t"),
        ("DINGTALK_SECRET", "SECs"),
        ("FEISHU_HOOK_ID", "h"),
        ("FEISHU_SECRET", "s"),
        ("SMTP_PASSWORD", "p"),
    ]);
    let c = Config::parse(crate::commands::config::EXAMPLE, "example", &vars).unwrap();
    assert_eq!(c.channels.len(), 6);
    assert_eq!(c.channel("mail").map(ChannelConfig::kind), Some("email"));
    assert_eq!(c.channel("fs").map(ChannelConfig::kind), Some("feishu_bot"));
    assert_eq!(c.channel("ding").map(ChannelConfig::kind), Some("dingtalk_robot"));
    assert_eq!(c.channel("ops-robot").map(ChannelConfig::kind), Some("wecom_robot"));
    assert_eq!(c.server.listen, "127.0.0.1:8080");
    assert_eq!((c.worker.concurrency, c.worker.horizon_secs), (64, 14_400));
    assert_eq!(crate::shaping::QuotaLimits::resolve(c.shaping.quota, Default::default()), {
        crate::shaping::QuotaLimits::PROVIDER
    });
    let app = c.channel("app").map(ChannelConfig::quota).unwrap_or_default();
    assert_eq!(app.getui_broadcast_per_day, Some(20), "the getui channel's [channels.quota] belongs to it");
    let bad = crate::commands::config::EXAMPLE.replace("robot_per_minute = 20", "robot_per_minut = 20");
    assert!(Config::parse(&bad, "example", &vars).unwrap_err().to_string().contains("robot_per_minut"));
    assert!(c.store.migrate, "serve migrates at start by default");
    let manual = crate::commands::config::EXAMPLE.replace("# migrate = true", "migrate = false");
    assert!(!Config::parse(&manual, "example", &vars).unwrap().store.migrate);
    let with_callback = crate::commands::config::EXAMPLE
        .replace("# [channels.callback]", "[channels.callback]")
        .replace("# token = ", "token = ")
        .replace("# encoding_aes_key = ", "encoding_aes_key = ");
    let mut callback_vars = vars.clone();
    callback_vars.insert("WECOM_OPS_CALLBACK_TOKEN".into(), "t".into());
    callback_vars.insert("WECOM_OPS_CALLBACK_AES_KEY".into(), "k".into());
    let c2 = Config::parse(&with_callback, "example", &callback_vars).unwrap();
    let Some(ChannelConfig::WecomApp(ops)) = c2.channel("ops") else { panic!("not wecom") };
    assert!(ops.callback.is_some(), "the commented callback table belongs to the ops channel");
    let bad = format!("{}\n", crate::commands::config::EXAMPLE.replace("horizon_secs = 14400", "horizon_secs = 20000"));
    let e = Config::parse(&bad, "example", &vars).unwrap_err();
    assert!(e.to_string().contains("horizon_secs"), "{e}");
}

#[test]
fn a_lease_shorter_than_the_longest_provider_call_is_refused() {
    let ok = Config::parse(SAMPLE, "t.toml", &env(&[("OPS_SECRET", "s")])).unwrap();
    assert_eq!((ok.worker.lease_secs, ok.worker.request_timeout_ms), (60, 8_000));
    // 8 s × 5 requests + 1 s margin; no client back-off (the worker decides retries).
    assert_eq!(ok.worker.longest_call_ms(), 41_000);
    let text = format!("{SAMPLE}\n[worker]\nconcurrency = 4\nlease_secs = 5\n");
    let e = Config::parse(&text, "t.toml", &env(&[("OPS_SECRET", "s")])).unwrap_err().to_string();
    assert!(
        e.contains(
            "t.toml:12:1: worker.lease_secs: is 5 s, shorter than the longest provider call (41.0 s: \
                    request_timeout_ms 8000 × 5 requests + 1.0 s margin); set it to at least 41"
        ),
        "{e}"
    );
    // A shorter request timeout makes a shorter lease valid: 0.4 s × 5 + 1 s = 3 s.
    let text = format!("{SAMPLE}\n[worker]\nlease_secs = 3\nrequest_timeout_ms = 400\n");
    assert_eq!(Config::parse(&text, "t.toml", &env(&[("OPS_SECRET", "s")])).unwrap().worker.longest_call_ms(), 3_000);
    let text = format!("{SAMPLE}\n[worker]\nlease_secs = 2\nrequest_timeout_ms = 400\n");
    let e = Config::parse(&text, "t.toml", &env(&[("OPS_SECRET", "s")])).unwrap_err().to_string();
    assert!(e.contains("worker.lease_secs: is 2 s") && e.contains("at least 3"), "{e}");
    let text = format!("{SAMPLE}\n[worker]\nrequest_timeout_ms = 0\n");
    let e = Config::parse(&text, "t.toml", &env(&[("OPS_SECRET", "s")])).unwrap_err().to_string();
    assert!(e.contains("worker.request_timeout_ms: must be at least 1"), "{e}");
}

#[test]
fn dingtalk_robot_problems_name_the_key_and_never_echo_a_secret() {
    let section = |extra: &str| {
        format!("[[channels]]\nname = \"ding\"\nkind = \"dingtalk_robot\"\naccess_token = \"${{T}}\"\n{extra}")
    };
    let vars = env(&[("T", "0123abcd"), ("BAD", "has space&x"), ("S", "not-sec-9f8e")]);
    let c = Config::parse(&section("secret = \"SECok\"\nkeywords = [\"告警\"]\n"), "t.toml", &vars).unwrap();
    let Some(ChannelConfig::DingtalkRobot(ding)) = c.channel("ding") else { panic!("not dingtalk") };
    assert_eq!(ding.keywords, ["告警"]);
    assert!(!format!("{c:?}").contains("0123abcd") && !format!("{c:?}").contains("SECok"), "Debug redacts");

    let e = Config::parse(&section("secret = \"${S}\"\n"), "t.toml", &vars).unwrap_err().to_string();
    assert!(e.contains("channels[0].secret: must be the SEC… secret"), "{e}");
    assert!(!e.contains("not-sec-9f8e"), "{e}");
    let bad_token = section("").replace("${T}", "${BAD}");
    let e = Config::parse(&bad_token, "t.toml", &vars).unwrap_err().to_string();
    assert!(e.contains("channels[0].access_token: is empty or contains spaces"), "{e}");
    assert!(!e.contains("has space"), "{e}");
    let eleven: Vec<String> = (0..11).map(|i| format!("\"k{i}\"")).collect();
    let e = Config::parse(&section(&format!("keywords = [{}]\n", eleven.join(", "))), "t.toml", &vars).unwrap_err();
    assert!(e.to_string().contains("channels[0].keywords: has 11 keywords"), "{e}");
    let e = Config::parse(&section("acces_token = \"x\"\n"), "t.toml", &vars).unwrap_err().to_string();
    assert!(e.contains("acces_token"), "{e}");
    let e = Config::parse("[[channels]]\nname = \"d\"\nkind = \"dingtalk_robot\"\n", "t.toml", &vars).unwrap_err();
    assert!(e.to_string().contains("access_token"), "{e}");
}

#[test]
fn feishu_bot_problems_name_the_key_and_lark_is_a_base_url() {
    let section =
        |extra: &str| format!("[[channels]]\nname = \"fs\"\nkind = \"feishu_bot\"\nhook_id = \"${{H}}\"\n{extra}");
    let vars = env(&[("H", "7b01451f-113b"), ("BAD", "a/b")]);
    let lark = section("secret = \"s3\"\nbase_url = \"https://open.larksuite.com\"\n");
    let c = Config::parse(&lark, "t.toml", &vars).unwrap();
    let Some(ChannelConfig::FeishuBot(fs)) = c.channel("fs") else { panic!("not feishu") };
    assert_eq!(fs.base_url.as_deref(), Some("https://open.larksuite.com"));
    assert!(!format!("{c:?}").contains("7b01451f"), "Debug redacts the hook id");
    let e = Config::parse(&section("").replace("${H}", "${BAD}"), "t.toml", &vars).unwrap_err().to_string();
    assert!(e.contains("channels[0].hook_id: is empty or contains spaces") && !e.contains("a/b"), "{e}");
    let e = Config::parse(&section("keywords = [\"\"]\n"), "t.toml", &vars).unwrap_err().to_string();
    assert!(e.contains("channels[0].keywords: must not hold an empty keyword"), "{e}");
    let e = Config::parse(&section("secret = \"\"\n"), "t.toml", &vars).unwrap_err().to_string();
    assert!(e.contains("channels[0].secret: is empty"), "{e}");
    let e = Config::parse(&section("base_url = \"open.larksuite.com\"\n"), "t.toml", &vars).unwrap_err().to_string();
    assert!(e.contains("channels[0].base_url") && e.contains("has no scheme"), "{e}");
}
