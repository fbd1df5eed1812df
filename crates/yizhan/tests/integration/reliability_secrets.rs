//! Secrets: a real `yizhan serve` with every kind of configured secret (WeCom app secret, group
//! robot key, Getui app key and master secret, callback Token and EncodingAESKey, the API key)
//! runs sends, provider failures, token refreshes and callbacks with `RUST_LOG=trace`; no line of
//! its stdout or stderr contains any secret, nor the access token the emulator issued.

use std::time::{Duration, Instant};

use serde_json::Value;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{DEFAULT_CALLBACK_TOKEN, DEFAULT_ENCODING_AES_KEY, DEFAULT_ROBOT_KEY, DEFAULT_SECRET};

use crate::reliability::{Gateway, emulator_config, free_port, gateway_config};
use yizhan_test_kit::emulator;

const KEY: &str = "secret-test-api-key-8c1f";
const GETUI_APP_KEY: &str = "yizhan-demo-appkey";
const GETUI_MASTER: &str = "yizhan-demo-master";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_log_line_at_trace_level() {
    let emu = emulator::spawn(emulator_config(10)).await;
    let tmp = yizhan_test_kit::temp_dir("secrets");
    let dir = tmp.path();
    let (db, log, config) = (dir.join("outbox.db"), dir.join("serve.log"), dir.join("yizhan.toml"));
    let port = free_port();
    let extra = format!(
        "[channels.callback]\ntoken = \"${{CB_TOKEN}}\"\nencoding_aes_key = \"${{CB_AES}}\"\n\n\
         [[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"${{ROBOT_KEY}}\"\nbase_url = \"{emu}\"\n\n\
         [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\napp_key = \"${{GETUI_KEY}}\"\n\
         master_secret = \"${{GETUI_MASTER}}\"\nbase_url = \"{emu}\"\n",
        emu = emu.base_url()
    );
    let text = gateway_config(&db, port, &emu.base_url(), &ApiKeys::hash(KEY), &extra, r#"["ops", "bot", "app"]"#)
        .replace("secret = \"yizhan-demo-secret\"", "secret = \"${WECOM_SECRET}\"");
    std::fs::write(&config, text).expect("config");
    let env = [
        ("RUST_LOG", "trace"),
        ("WECOM_SECRET", DEFAULT_SECRET),
        ("ROBOT_KEY", DEFAULT_ROBOT_KEY),
        ("GETUI_KEY", GETUI_APP_KEY),
        ("GETUI_MASTER", GETUI_MASTER),
        ("CB_TOKEN", DEFAULT_CALLBACK_TOKEN),
        ("CB_AES", DEFAULT_ENCODING_AES_KEY),
    ];
    let gateway = Gateway::start(&config, port, &log, &env).await;
    let base = gateway.base.clone();
    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let r = http.post(format!("{base}/v1/messages")).bearer_auth(KEY).body(body).send().await.expect("post");
            assert_eq!(r.status(), 202, "{body}");
            r.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned()
        }
    };
    let wecom = r#"{"channel":"ops","to":{"users":["u1"]},"content":{"text":"secret test 1"}}"#;
    let robot = r#"{"channel":"bot","to":{"mentions":["u1"]},"content":{"text":"secret test 2"}}"#;
    let getui = r#"{"channel":"app","to":{"cids":["cid-alice"]},"content":{"getui":{"notification":{"title":"t","body":"secret test 3","click_type":"startapp"}}}}"#;
    let mut ids = vec![post(wecom).await, post(robot).await, post(getui).await];
    wait_terminal(&http, &base, &ids).await; // tokens were fetched; now make them fail
    // Failures (system busy, then a token the provider no longer accepts) and token refreshes.
    emu.fail_next_on("/cgi-bin/message/send", 2, -1);
    emu.fail_next_on("/push/single/cid", 2, 30019);
    emu.expire_tokens();
    ids.push(post(wecom.replace("test 1", "test 4").leak()).await);
    ids.push(post(getui.replace("test 3", "test 5").leak()).await);
    emu.fail_next_on("/cgi-bin/message/send", 1, 40014);
    ids.push(post(wecom.replace("test 1", "test 6").leak()).await);
    // A permanent failure, and callbacks with a bad and with no signature.
    ids.push(post(r#"{"channel":"ops","to":{"users":["nobody"]},"content":{"text":"secret test 7"}}"#).await);
    for query in ["msg_signature=0&timestamp=1&nonce=2&echostr=abc", ""] {
        let _ = http.get(format!("{base}/v1/callbacks/wecom/ops?{query}")).send().await.expect("callback");
        let _ = http
            .post(format!("{base}/v1/callbacks/wecom/ops?{query}"))
            .body("<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>")
            .send()
            .await
            .expect("callback");
    }
    let _ = http.get(format!("{base}/v1/messages/{}", ids[0])).bearer_auth("wrong-key").send().await;
    wait_terminal(&http, &base, &ids).await;
    // The token the gateway holds now is the one the emulator hands out again.
    let token: Value = http
        .get(format!("{}/cgi-bin/gettoken?corpid=wwyizhandemo&corpsecret={DEFAULT_SECRET}", emu.base_url()))
        .send()
        .await
        .expect("gettoken")
        .json()
        .await
        .expect("json");
    let access_token = token["access_token"].as_str().expect("token").to_owned();
    gateway.terminate().await;

    let output = std::fs::read_to_string(&log).expect("log");
    let lines = output.lines().count();
    let secrets = [
        ("WeCom secret", DEFAULT_SECRET),
        ("robot key", DEFAULT_ROBOT_KEY),
        ("Getui app key", GETUI_APP_KEY),
        ("Getui master secret", GETUI_MASTER),
        ("callback token", DEFAULT_CALLBACK_TOKEN),
        ("callback AES key", DEFAULT_ENCODING_AES_KEY),
        ("API key", KEY),
        ("WeCom access token", access_token.as_str()),
    ];
    let leaks: Vec<String> = output
        .lines()
        .flat_map(|line| {
            secrets.iter().filter(|(_, s)| line.contains(s)).map(move |(name, _)| format!("{name}: {line}"))
        })
        .collect();
    println!("{lines} log lines at trace level checked for {} secrets: {} leaks", secrets.len(), leaks.len());
    assert!(lines > 100, "trace logging did not happen: {lines} lines");
    let delivered = emu.inbox().iter().filter(|d| d.dropped.is_none() && !d.deduplicated).count();
    let texts: Vec<String> =
        emu.inbox().iter().map(|d| format!("{} {} {:?} {}", d.provider, d.recipient, d.dropped, d.content)).collect();
    assert_eq!(delivered, 6, "WeCom 1, 4, 6, robot 2, Getui 3, 5 delivered (7 is refused): {texts:#?}");
    assert!(emu.stats().gettoken_calls >= 2 && emu.stats().auth_calls >= 2, "tokens were refreshed");
    assert!(leaks.is_empty(), "secrets in the log:\n{}", leaks[..leaks.len().min(10)].join("\n"));
}

/// Waits (≤ 60 s) until every message is delivered or dead.
async fn wait_terminal(http: &reqwest::Client, base: &str, ids: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in ids {
        loop {
            let r = http.get(format!("{base}/v1/messages/{id}")).bearer_auth(KEY).send().await.expect("get");
            let v: Value = r.json().await.expect("json");
            if matches!(v["status"].as_str(), Some("delivered" | "dead")) || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
