//! The Feishu/Lark bot client against the emulator (an independent oracle that follows
//! docs/dingtalk-feishu.md): every message type of the emulator's golden fixtures keeps every
//! field through the typed model and is delivered signed; refusals come back classified; the
//! signature agrees with a second implementation in python3.

use std::time::Duration;

use serde_json::{Value, json};
use yizhan_core::{Clock, FailureKind, RetryPolicy};
use yizhan_emulator::{
    DEFAULT_FEISHU_HOOK, DEFAULT_FEISHU_SECRET, Emulator, EmulatorConfig, EmulatorHandle, FeishuBot,
};
use yizhan_feishu::{FeishuClient, Message};

/// A golden file of the emulator's Feishu fixtures.
fn fixture(name: &str) -> Value {
    let path = format!("{}/../yizhan-emulator/tests/fixtures/feishu/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("JSON fixture")
}

fn client(emu: &EmulatorHandle, secret: Option<&str>) -> FeishuClient {
    let base = emu.base_url();
    let mut builder = FeishuClient::builder(DEFAULT_FEISHU_HOOK.to_owned().into())
        .settings(|s| s.base_url(base).retry_policy(RetryPolicy::none()));
    if let Some(secret) = secret {
        builder = builder.secret(secret.to_owned().into());
    }
    builder.build().expect("client")
}

#[tokio::test]
async fn every_message_type_keeps_the_golden_fields_and_is_delivered_signed() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let bot = client(&emu, Some(DEFAULT_FEISHU_SECRET));
    let golden = ["text", "post", "image", "share_chat", "interactive"];
    for msg_type in golden {
        let golden = fixture(&format!("bot_hook.{msg_type}.request.json"));
        let message: Message = serde_json::from_value(golden.clone()).expect("the golden request parses");
        let wire: Value = serde_json::from_slice(&FeishuClient::prepare(&message).expect("valid")).expect("JSON");
        assert_eq!(wire, golden, "{msg_type}: the typed message keeps every field");
        bot.send(&message).await.unwrap_or_else(|e| panic!("{msg_type}: {e}"));
        let last = emu.inbox().pop().expect("delivered");
        assert_eq!((last.provider.as_str(), last.msgtype.as_str()), ("feishu_bot", msg_type));
        assert_eq!(last.content, golden, "{msg_type}: the emulator received the body (without timestamp and sign)");
    }
    assert_eq!(emu.inbox().len(), 5);
}

#[tokio::test]
async fn lark_is_the_same_path_on_another_host_and_an_open_bot_takes_unsigned_calls() {
    let mut config = EmulatorConfig::default();
    config.feishu.bots = vec![FeishuBot::open("open-bot")];
    let emu = Emulator::spawn(config).await.expect("emulator");
    let bot = FeishuClient::builder("open-bot".to_owned().into())
        .settings(|s| s.base_url(emu.base_url()))
        .build()
        .expect("client");
    bot.send(&Message::text("hi")).await.expect("unsigned");
    assert_eq!(emu.inbox()[0].content, json!({"msg_type": "text", "content": {"text": "hi"}}));
    assert!(
        FeishuClient::builder("x".to_owned().into())
            .settings(|s| s.base_url(yizhan_feishu::LARK_BASE_URL))
            .build()
            .is_ok()
    );
}

#[tokio::test]
async fn refusals_are_classified_and_secrets_never_show() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let wrong = client(&emu, Some("not-the-secret"));
    let e = wrong.send(&Message::text("x")).await.expect_err("19021");
    assert_eq!((e.kind(), e.code()), (FailureKind::Permanent, Some(19021)));
    let shown = format!("{e} {e:?} {wrong:?}");
    assert!(!shown.contains("not-the-secret") && !shown.contains(DEFAULT_FEISHU_HOOK), "{shown}");
    let unknown = FeishuClient::builder("no-such-hook".to_owned().into())
        .settings(|s| s.base_url(emu.base_url()))
        .build()
        .expect("client");
    assert_eq!(unknown.send(&Message::text("x")).await.expect_err("19001").code(), Some(19001));
    assert_eq!(emu.inbox().len(), 0);
}

#[tokio::test]
async fn a_full_second_is_rate_limited_and_retried_later() {
    let mut config = EmulatorConfig::default();
    config.feishu.per_second = 1;
    let (clock, _time) = Clock::manual(1_800_000_000_000);
    let emu = Emulator::spawn_with_clock(config, clock.clone()).await.expect("emulator");
    let bot = FeishuClient::builder(DEFAULT_FEISHU_HOOK.to_owned().into())
        .secret(DEFAULT_FEISHU_SECRET.to_owned().into())
        .settings(|s| s.base_url(emu.base_url()).retry_policy(RetryPolicy::none()).clock(clock))
        .build()
        .expect("client");
    bot.send(&Message::text("first")).await.expect("within the second");
    let e = bot.send(&Message::text("second")).await.expect_err("11232");
    assert_eq!(e.code(), Some(11232));
    assert_eq!(e.kind(), FailureKind::RateLimited { retry_after: Some(Duration::from_secs(10)) });
}

#[test]
fn every_documented_answer_is_classified() {
    use yizhan_feishu::errcode::classify;
    let permanent = FailureKind::Permanent;
    for (name, kind) in [
        ("bot_hook.error-11232.json", FailureKind::RateLimited { retry_after: Some(Duration::from_secs(10)) }),
        ("bot_hook.error-19001.json", permanent),
        ("bot_hook.error-19002-card.json", permanent),
        ("bot_hook.error-19002-msg_type.json", permanent),
        ("bot_hook.error-19021.json", permanent),
        ("bot_hook.error-19022.json", permanent),
        ("bot_hook.error-19024.json", permanent),
        ("bot_hook.error-9499-content.json", permanent),
        ("bot_hook.error-9499.json", permanent),
    ] {
        let code = fixture(name)["code"].as_i64().expect("code");
        assert_eq!(classify(code), Some(kind), "{name}");
    }
    assert_eq!(fixture("bot_hook.response.json")["code"], 0);
    assert_eq!(classify(0), None);
    assert_eq!(classify(19036), Some(permanent));
    assert_eq!(classify(2200), Some(FailureKind::Transient));
    assert_eq!(classify(424242), Some(permanent));
}

/// For each `[secret, timestamp]`: the sign (key = ts + "\n" + secret, empty message).
const PYTHON: &str = r#"
import base64, hashlib, hmac, json, sys
print(json.dumps([base64.b64encode(hmac.new((ts + "\n" + secret).encode(), b"", hashlib.sha256).digest()).decode()
                  for secret, ts in json.loads(sys.argv[1])]))
"#;

#[test]
fn signatures_match_python_and_the_worked_example() {
    let vector = fixture("signature.vector.json");
    let mut cases = vec![(vector["secret"].as_str().expect("secret").to_owned(), 1_599_360_473_i64)];
    let mut next = yizhan_test_kit::python::xorshift(1);
    let alphabet: Vec<char> = "abcdefABCDEF0123456789-_+/=.~中文".chars().collect();
    for _ in 0..32 {
        let len = 8 + (next() % 57) as usize;
        let secret: String = (0..len).map(|_| alphabet[(next() as usize) % alphabet.len()]).collect();
        cases.push((secret, 1_500_000_000 + (next() % 400_000_000) as i64));
    }
    let input = json!(cases.iter().map(|(s, t)| json!([s, t.to_string()])).collect::<Vec<_>>());
    let Some(out) = yizhan_test_kit::python::run_json(PYTHON, &input) else { return };
    assert_eq!(out[0], vector["sign"], "python agrees with the worked example");
    for ((secret, ts), expected) in cases.iter().zip(out.as_array().expect("list")) {
        assert_eq!(yizhan_feishu::sign::sign(secret, *ts), expected.as_str().expect("sign"), "{secret} {ts}");
    }
}
