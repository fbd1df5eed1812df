//! Feishu security settings, rate limits and fault knobs over HTTP: signatures accepted, refused
//! and expired; keywords; the IP allow-list; 5 a second and 100 a minute; faults.

use std::time::Duration;

use serde_json::{Value, json};
use yizhan_emulator::{DEFAULT_FEISHU_HOOK as HOOK, DEFAULT_FEISHU_SECRET as SECRET, FeishuBot};

use crate::bot_support::{FEISHU_HOOK, JSON, feishu_error as error, feishu_sign, feishu_text as text, fixture};
use crate::support::{Env, START_MS};

impl Env {
    /// A text to the demo bot with these raw `timestamp` and `sign` values.
    async fn feishu_signed(&self, timestamp: Value, sign: &str) -> Value {
        let mut body = text("x");
        body["timestamp"] = timestamp;
        body["sign"] = sign.into();
        self.feishu_post(HOOK, Some(JSON), body.to_string().into_bytes()).await
    }
}

#[tokio::test]
async fn signatures_accepted_refused_and_expired() {
    let env = Env::manual_with(|_| {}).await;
    let now = START_MS / 1000;
    let sign_at = |secs: i64| feishu_sign(SECRET, &secs.to_string());
    assert_eq!(env.feishu_signed(now.to_string().into(), &sign_at(now)).await["code"], 0);
    assert_eq!(env.feishu_signed(json!(now), &sign_at(now)).await["code"], 0, "a JSON number is accepted too");
    assert_eq!(env.feishu_signed((now - 3600).to_string().into(), &sign_at(now - 3600)).await["code"], 0);
    assert_eq!(env.feishu_signed((now + 3600).to_string().into(), &sign_at(now + 3600)).await["code"], 0);
    assert_eq!(
        env.feishu_signed((now - 3601).to_string().into(), &sign_at(now - 3601)).await,
        error("19021"),
        "expired"
    );
    assert_eq!(env.feishu_signed((now + 3601).to_string().into(), &sign_at(now + 3601)).await, error("19021"));
    let ms = START_MS.to_string();
    assert_eq!(env.feishu_signed(ms.clone().into(), &feishu_sign(SECRET, &ms)).await, error("19021"), "milliseconds");
    assert_eq!(
        env.feishu_signed(now.to_string().into(), &feishu_sign("wrong", &now.to_string())).await,
        error("19021")
    );
    // The DingTalk construction (key = secret, message = timestamp + "\n" + secret) is refused.
    let dingtalk_style = crate::bot_support::dingtalk_sign(SECRET, &now.to_string());
    assert_eq!(env.feishu_signed(now.to_string().into(), &dingtalk_style).await, error("19021"));
    assert_eq!(env.feishu_signed(json!(-1), &sign_at(now)).await, error("19021"));
    assert_eq!(env.feishu_signed(json!(null), &sign_at(now)).await, error("19021"));
    assert_eq!(env.feishu(HOOK, None, &text("unsigned")).await, error("19021"));
    assert_eq!(env.emu.inbox().len(), 4);
    assert!(env.emu.inbox().iter().all(|d| d.content.get("sign").is_none() && d.content.get("timestamp").is_none()));
}

#[tokio::test]
async fn keyword_mode_searches_the_message_text() {
    let bot = FeishuBot { keywords: vec!["告警".into()], ..FeishuBot::open("kw") };
    let env = Env::manual_with(|c| c.feishu.bots = vec![bot]).await;
    assert_eq!(env.feishu("kw", None, &text("[告警] disk full")).await["code"], 0);
    assert_eq!(env.feishu("kw", None, &text("disk full")).await, error("19024"));
    let post = json!({"msg_type": "post", "content": {"post": {"zh_cn": {"title": "CPU",
        "content": [[{"tag": "a", "text": "告警详情", "href": "https://e.com"}]]}}}});
    assert_eq!(env.feishu("kw", None, &post).await["code"], 0, "any text of the post counts");
    let card = fixture("feishu", "bot_hook.interactive.request.json");
    assert_eq!(env.feishu("kw", None, &card).await["code"], 0, "card header");
    let image = fixture("feishu", "bot_hook.image.request.json");
    assert_eq!(env.feishu("kw", None, &image).await, error("19024"), "an image has no text to hold a keyword");
    assert_eq!(env.emu.inbox().len(), 3);
}

#[tokio::test]
async fn ip_allowlist_checks_the_peer_address() {
    let outside =
        FeishuBot { ip_allowlist: vec!["123.12.1.*".into(), "123.1.1.1/24".into()], ..FeishuBot::open("out") };
    let inside = FeishuBot { ip_allowlist: vec!["127.0.0.1".into()], ..FeishuBot::open("in") };
    let env = Env::manual_with(|c| c.feishu.bots = vec![outside, inside]).await;
    assert_eq!(env.feishu("out", None, &text("x")).await, error("19022"));
    assert_eq!(env.feishu("in", None, &text("x")).await["code"], 0);
    assert_eq!(env.emu.inbox().len(), 1);
}

#[tokio::test]
async fn five_a_second_and_a_hundred_a_minute_and_nothing_is_dropped() {
    let env = Env::manual_with(|c| c.feishu.bots.push(FeishuBot::open("other"))).await;
    let mut sent = 0;
    let mut refused = 0;
    // A client that waits 100 ms after each 11232 and retries the same message.
    while sent < 120 {
        let v = env.feishu(HOOK, Some(SECRET), &text(&format!("n{sent}"))).await;
        match v["code"].as_i64() {
            Some(0) => sent += 1,
            Some(11232) => {
                assert_eq!(v, error("11232"));
                refused += 1;
                env.time().advance(Duration::from_millis(100));
            }
            _ => panic!("{v}"),
        }
        if sent == 5 && refused == 0 {
            assert_eq!(env.feishu("other", None, &text("own limit")).await["code"], 0);
        }
    }
    let elapsed_ms = env.now_ms() - START_MS;
    assert!(elapsed_ms >= 60_000, "120 messages need over a minute at 100 a minute ({elapsed_ms} ms)");
    let delivered: Vec<String> = env
        .emu
        .inbox()
        .iter()
        .filter(|d| d.app == "yizh…")
        .map(|d| d.content["content"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(delivered, (0..120).map(|i| format!("n{i}")).collect::<Vec<_>>(), "in order, each once");
    assert_eq!(env.emu.stats().errors, refused);
}

#[tokio::test]
async fn the_hundredth_in_a_minute_is_the_last() {
    let env = Env::manual_with(|_| {}).await;
    for i in 0..100 {
        assert_eq!(env.feishu(HOOK, Some(SECRET), &text(&format!("n{i}"))).await["code"], 0, "{i}");
        env.time().advance(Duration::from_millis(500));
    }
    assert_eq!(
        env.feishu(HOOK, Some(SECRET), &text("101st")).await,
        error("11232"),
        "the second has room, the minute not"
    );
    env.time().advance(Duration::from_secs(10)); // the first (t = 0) left the minute
    assert_eq!(env.feishu(HOOK, Some(SECRET), &text("n100")).await["code"], 0);
}

#[tokio::test]
async fn fault_knobs_apply_to_the_bot() {
    let env = Env::manual_with(|_| {}).await;
    env.emu.fail_next_on(FEISHU_HOOK, 1, 11232);
    env.emu.fail_next_on(&format!("{FEISHU_HOOK}/other-hook"), 1, 9499);
    assert_eq!(env.feishu(HOOK, Some(SECRET), &text("a")).await, error("11232"));
    assert!(env.emu.inbox().is_empty(), "a faulted call is not processed");
    env.emu.fail_next(1, 19021);
    assert_eq!(env.feishu(HOOK, Some(SECRET), &text("a")).await, error("19021"));
    assert_eq!(env.feishu(HOOK, Some(SECRET), &text("a")).await["code"], 0, "the other-hook rule does not apply here");
    assert_eq!(env.feishu("other-hook", None, &text("a")).await, error("9499"));
    env.emu.drop_next_connections(1);
    let dropped = env.http.post(env.url(&format!("{FEISHU_HOOK}/{HOOK}"))).json(&text("a")).send().await;
    assert!(dropped.is_err(), "{dropped:?}");
    let stats = env.emu.stats();
    assert_eq!((stats.feishu_calls, stats.errors, stats.delivered), (5, 4, 1));
}
