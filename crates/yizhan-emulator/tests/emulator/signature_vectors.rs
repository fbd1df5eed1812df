//! Signature vectors computed independently of the emulator: the worked examples of
//! `docs/dingtalk-feishu.md` (no official vectors exist) and random vectors, both computed by a
//! second implementation in python3 (`hmac`, `hashlib`, `base64`, `urllib.parse`). The emulator
//! must accept every python-made signature and the test-side signer must agree with python.
//! Without python3 the tests are skipped with a printed reason, except with `CI=true`.

use serde_json::{Value, json};
use yizhan_core::Clock;
use yizhan_emulator::{DingtalkRobot, EmulatorConfig, FeishuBot};

use crate::bot_support::{DINGTALK_SEND, JSON, dingtalk_sign, feishu_sign, fixture};
use crate::support::Env;

/// DingTalk: for each `[secret, timestamp]`, `[sign, quote_plus(sign)]`.
const DINGTALK_PY: &str = r#"
import base64, hashlib, hmac, json, sys, urllib.parse
out = []
for secret, ts in json.loads(sys.argv[1]):
    mac = hmac.new(secret.encode(), (ts + "\n" + secret).encode(), hashlib.sha256).digest()
    sign = base64.b64encode(mac).decode()
    out.append([sign, urllib.parse.quote_plus(sign)])
print(json.dumps(out))
"#;

/// Feishu: for each `[secret, timestamp]`, the sign (key = ts + "\n" + secret, empty message).
const FEISHU_PY: &str = r#"
import base64, hashlib, hmac, json, sys
print(json.dumps([base64.b64encode(hmac.new((ts + "\n" + secret).encode(), b"", hashlib.sha256).digest()).decode()
                  for secret, ts in json.loads(sys.argv[1])]))
"#;

/// Runs `script` over `cases` (as a JSON list of `[secret, timestamp]`) and returns its JSON
/// answer; `None` (after printing why) when python3 cannot run outside CI.
fn python(script: &str, cases: &[(String, String)]) -> Option<Value> {
    let input = json!(cases.iter().map(|(s, t)| [s, t]).collect::<Vec<_>>());
    yizhan_test_kit::python::run_json(script, &input)
}

/// The worked example of `provider` (its fixture) followed by pseudo-random (secret, timestamp)
/// pairs: secrets of `prefix` and 8–64 characters of a mixed alphabet, timestamps spread over
/// years in units of `unit_ms`.
fn cases(provider: &str, seed: u64, prefix: &str, unit_ms: i64) -> (Value, Vec<(String, String)>) {
    let vector = fixture(provider, "signature.vector.json");
    let example = (vector["secret"].as_str().unwrap().to_owned(), vector["timestamp"].as_str().unwrap().to_owned());
    let mut rng = fastrand::Rng::with_seed(seed);
    let alphabet: Vec<char> = "abcdefABCDEF0123456789-_+/=.~中文".chars().collect();
    let random = (0..16).map(|_| {
        let len = rng.usize(8..=64);
        let secret: String = prefix.chars().chain((0..len).map(|_| alphabet[rng.usize(..alphabet.len())])).collect();
        let ts = rng.i64(1_500_000_000_000..1_900_000_000_000) / unit_ms;
        (secret, ts.to_string())
    });
    (vector, std::iter::once(example).chain(random).collect())
}

#[tokio::test]
async fn dingtalk_worked_example_and_random_vectors_match_python() {
    let (vector, cases) = cases("dingtalk", 19, "SEC", 1);
    let Some(out) = python(DINGTALK_PY, &cases) else { return };
    assert_eq!(out[0], json!([vector["sign"], vector["sign_in_url"]]), "python agrees with the worked example");

    let mut config = EmulatorConfig::default();
    config.dingtalk.per_minute = 1000;
    config.dingtalk.robots =
        cases.iter().enumerate().map(|(i, (secret, _))| DingtalkRobot::signed(format!("robot-{i}"), secret)).collect();
    let (clock, time) = Clock::manual(0);
    let env = Env::with(config, Some((clock, time))).await;
    for (i, ((secret, ts), signs)) in cases.iter().zip(out.as_array().unwrap()).enumerate() {
        let (sign, in_url) = (signs[0].as_str().unwrap(), signs[1].as_str().unwrap());
        assert_eq!(dingtalk_sign(secret, ts), sign, "test-side signer vs python for {secret:?} {ts}");
        env.time().set_ms(ts.parse().unwrap());
        let url = env.url(&format!("{DINGTALK_SEND}?access_token=robot-{i}&timestamp={ts}&sign={in_url}"));
        let body = json!({"msgtype": "text", "text": {"content": format!("vector {i}")}}).to_string();
        let v: Value =
            env.http.post(url).header("content-type", JSON).body(body).send().await.unwrap().json().await.unwrap();
        assert_eq!(v, json!({"errcode": 0, "errmsg": "ok"}), "emulator refused python's sign for {secret:?} {ts}");
    }
    assert_eq!(env.emu.inbox().len(), cases.len());
}

#[tokio::test]
async fn feishu_worked_example_and_random_vectors_match_python() {
    let (vector, cases) = cases("feishu", 20, "", 1000);
    let (secret, ts) = (&cases[0].0, &cases[0].1);
    let Some(out) = python(FEISHU_PY, &cases) else { return };
    assert_eq!(out[0], vector["sign"], "python agrees with the worked example");
    assert_eq!(dingtalk_sign(secret, ts), vector["dingtalk_style_sign"].as_str().unwrap());

    let mut config = EmulatorConfig::default();
    config.feishu.bots =
        cases.iter().enumerate().map(|(i, (secret, _))| FeishuBot::signed(format!("bot-{i}"), secret)).collect();
    let env = Env::with(config, Some(Clock::manual(0))).await;
    // The golden signed request is accepted at its own time, and the DingTalk-style sign is not.
    let signed = fixture("feishu", "bot_hook.signed.request.json");
    env.time().set_ms(ts.parse::<i64>().unwrap() * 1000);
    assert_eq!(env.feishu("bot-0", None, &signed).await["code"], 0);
    let mut wrong = signed.clone();
    wrong["sign"] = vector["dingtalk_style_sign"].clone();
    assert_eq!(env.feishu("bot-0", None, &wrong).await, fixture("feishu", "bot_hook.error-19021.json"));
    for (i, ((secret, ts), sign)) in cases.iter().zip(out.as_array().unwrap()).enumerate() {
        let sign = sign.as_str().unwrap();
        assert_eq!(feishu_sign(secret, ts), sign, "test-side signer vs python for {secret:?} {ts}");
        env.time().set_ms(ts.parse::<i64>().unwrap() * 1000 + 999);
        let timestamp = if i % 2 == 0 { json!(ts) } else { json!(ts.parse::<u64>().unwrap()) };
        let body = json!({"timestamp": timestamp, "sign": sign, "msg_type": "text", "content": {"text": format!("vector {i}")}});
        let v = env.feishu(&format!("bot-{i}"), None, &body).await;
        assert_eq!(v["code"], 0, "emulator refused python's sign for {secret:?} {ts}: {v}");
    }
    assert_eq!(env.emu.inbox().len(), cases.len() + 1);
}
