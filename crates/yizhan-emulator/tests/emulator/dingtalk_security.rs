//! DingTalk security settings, rate limit and fault knobs over HTTP: 加签 accepted, refused and
//! expired; keywords; the IP allow-list; 20 a minute then a 10-minute throttle; faults.

use std::time::Duration;

use serde_json::{Value, json};
use yizhan_emulator::{
    DEFAULT_DINGTALK_ACCESS_TOKEN as TOKEN, DEFAULT_DINGTALK_SECRET as SECRET, DingtalkKeywordMatch, DingtalkRobot,
};

use crate::bot_support::{DINGTALK_SEND, JSON, dingtalk_error as error, dingtalk_sign, dingtalk_text as text};
use crate::support::{Env, START_MS};

impl Env {
    /// Sends a text to the demo robot with this timestamp and sign as query values.
    async fn signed_text(&self, timestamp: &str, sign: &str) -> Value {
        let query = [("access_token", TOKEN), ("timestamp", timestamp), ("sign", sign)];
        self.dingtalk_post(&query, Some(JSON), text("x").to_string().into_bytes()).await
    }

    /// Sends a text with a raw, already encoded query string.
    async fn raw_query_text(&self, query: &str) -> Value {
        let url = self.url(&format!("{DINGTALK_SEND}?{query}"));
        let resp = self.http.post(url).header("content-type", JSON).body(text("x").to_string()).send().await.unwrap();
        resp.json().await.unwrap()
    }
}

#[tokio::test]
async fn signatures_accepted_refused_and_expired() {
    let env = Env::manual_with(|_| {}).await;
    let at = |ms: i64| (ms.to_string(), dingtalk_sign(SECRET, &ms.to_string()));
    let (ts, sign) = at(START_MS);
    assert_eq!(env.signed_text(&ts, &sign).await["errcode"], 0);
    let (ts, sign) = at(START_MS - 3_600_000);
    assert_eq!(env.signed_text(&ts, &sign).await["errcode"], 0, "exactly one hour old");
    let (ts, sign) = at(START_MS + 3_600_000);
    assert_eq!(env.signed_text(&ts, &sign).await["errcode"], 0, "one hour ahead");
    let (ts, sign) = at(START_MS - 3_600_001);
    assert_eq!(env.signed_text(&ts, &sign).await, error("310000-timestamp"), "expired");
    let (ts, sign) = at(START_MS + 3_600_001);
    assert_eq!(env.signed_text(&ts, &sign).await, error("310000-timestamp"));
    let seconds = (START_MS / 1000).to_string();
    assert_eq!(env.signed_text(&seconds, &dingtalk_sign(SECRET, &seconds)).await, error("310000-timestamp"));
    let ts = START_MS.to_string();
    assert_eq!(env.signed_text(&ts, &dingtalk_sign("SECwrong", &ts)).await, error("310000-sign"));
    assert_eq!(env.signed_text(&ts, "").await, error("310000-sign"));
    assert_eq!(env.signed_text("", &dingtalk_sign(SECRET, &ts)).await, error("310000-timestamp"));
    assert_eq!(env.dingtalk(TOKEN, None, &text("unsigned")).await, error("310000-timestamp"));
    // The common bugs: a sign encoded twice, or never (a '+' then arrives as a space).
    let sign = dingtalk_sign(SECRET, &ts);
    let once = sign.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let twice = once.replace('%', "%25");
    assert_eq!(env.raw_query_text(&format!("access_token={TOKEN}&timestamp={ts}&sign={once}")).await["errcode"], 0);
    assert_eq!(
        env.raw_query_text(&format!("access_token={TOKEN}&timestamp={ts}&sign={twice}")).await,
        error("310000-sign")
    );
    let plus = (0..200)
        .map(|i| (START_MS + i).to_string())
        .find(|ts| dingtalk_sign(SECRET, ts).contains('+'))
        .expect("some sign in 200 has a '+'");
    let raw = dingtalk_sign(SECRET, &plus);
    assert_eq!(
        env.raw_query_text(&format!("access_token={TOKEN}&timestamp={plus}&sign={raw}")).await,
        error("310000-sign")
    );
    assert_eq!(env.emu.inbox().len(), 4, "only the valid ones were delivered");
}

#[tokio::test]
async fn keyword_mode_checks_every_text_field_by_default() {
    let robot = DingtalkRobot::with_keywords("kw", &["告警", "alert"]);
    let env = Env::manual_with(|c| c.dingtalk.robots = vec![robot.clone()]).await;
    assert_eq!(env.dingtalk("kw", None, &text("[告警] disk full")).await["errcode"], 0);
    assert_eq!(env.dingtalk("kw", None, &text("an alert")).await["errcode"], 0);
    assert_eq!(env.dingtalk("kw", None, &text("disk full")).await, error("310000-keywords"));
    assert_eq!(env.dingtalk("kw", None, &text("ALERT")).await, error("310000-keywords"), "case-sensitive");
    let title_only = json!({"msgtype": "markdown", "markdown": {"title": "[告警] CPU", "text": "### CPU high"}});
    assert_eq!(env.dingtalk("kw", None, &title_only).await, error("310000-keywords"), "text lacks it");
    let both = json!({"msgtype": "markdown", "markdown": {"title": "[告警] CPU", "text": "### [告警] CPU high"}});
    assert_eq!(env.dingtalk("kw", None, &both).await["errcode"], 0);
    assert_eq!(env.emu.inbox().len(), 3);

    let env = Env::manual_with(|c| {
        c.dingtalk.robots = vec![robot];
        c.dingtalk.keyword_match = DingtalkKeywordMatch::AnyField;
    })
    .await;
    assert_eq!(env.dingtalk("kw", None, &title_only).await["errcode"], 0, "any field is enough when configured");
}

#[tokio::test]
async fn ip_allowlist_checks_the_peer_address() {
    let outside = DingtalkRobot {
        secret: None,
        ip_allowlist: vec!["10.0.0.0/8".to_owned(), "192.168.1.*".to_owned()],
        ..DingtalkRobot::default()
    };
    let inside = DingtalkRobot { access_token: "lo".into(), ip_allowlist: vec!["127.0.0.*".into()], ..outside.clone() };
    let env = Env::manual_with(|c| c.dingtalk.robots = vec![outside, inside]).await;
    assert_eq!(env.dingtalk(TOKEN, None, &text("x")).await, error("310000-ip"));
    assert_eq!(env.dingtalk("lo", None, &text("x")).await["errcode"], 0);
    assert_eq!(env.emu.inbox().len(), 1);
}

#[tokio::test]
async fn twenty_a_minute_then_throttled_for_ten_minutes_and_nothing_is_dropped() {
    let env = Env::manual_with(|c| c.dingtalk.robots.push(DingtalkRobot::signed("other", "SECother"))).await;
    for i in 0..20 {
        assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text(&format!("n{i}"))).await["errcode"], 0);
        env.time().advance(Duration::from_secs(2));
    }
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("21st")).await, error("410100"));
    assert_eq!(env.dingtalk("other", Some("SECother"), &text("own limit")).await["errcode"], 0);
    env.time().advance(Duration::from_secs(60)); // the minute has room again, the throttle holds
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("still throttled")).await, error("410100"));
    env.time().advance(Duration::from_secs(539)); // 599 s after the 21st
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("still throttled")).await, error("410100"));
    env.time().advance(Duration::from_secs(1));
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("n20")).await["errcode"], 0);
    let delivered: Vec<String> = env
        .emu
        .inbox()
        .iter()
        .filter(|d| d.app == "yizh…")
        .map(|d| d.content["text"]["content"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..=20).map(|i| format!("n{i}")).collect();
    assert_eq!(delivered, expected, "every refused call was answered 410100; nothing was silently dropped");
    assert_eq!(env.emu.stats().errors, 3);
}

#[tokio::test]
async fn the_throttle_code_and_length_are_configurable() {
    let env = Env::manual_with(|c| {
        c.dingtalk.per_minute = 1;
        c.dingtalk.throttle_secs = 0;
        c.dingtalk.rate_limit_code = 130101;
    })
    .await;
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("a")).await["errcode"], 0);
    let v = env.dingtalk(TOKEN, Some(SECRET), &text("b")).await;
    assert_eq!(v, json!({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}));
    env.time().advance(Duration::from_secs(60));
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("c")).await["errcode"], 0, "no throttle beyond the window");
}

#[tokio::test]
async fn fault_knobs_apply_to_the_robot() {
    let env = Env::manual_with(|_| {}).await;
    env.emu.fail_next_on(DINGTALK_SEND, 2, -1);
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("a")).await, error("-1"));
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("a")).await, error("-1"));
    assert!(env.emu.inbox().is_empty(), "a faulted call is not processed");
    env.emu.fail_next(1, 410100);
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("a")).await, error("410100"));
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &text("a")).await["errcode"], 0);
    env.emu.http_500_next(1);
    let resp = env.http.post(env.url(DINGTALK_SEND)).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 500);
    let stats = env.emu.stats();
    assert_eq!((stats.dingtalk_calls, stats.errors, stats.delivered), (5, 4, 1));

    // A delay is waited out after the call was processed: a client that gives up still leaves
    // the message delivered.
    env.emu.set_delay(Duration::from_secs(3));
    let impatient = reqwest::Client::builder().no_proxy().timeout(Duration::from_millis(300)).build().unwrap();
    let ts = env.now_ms().to_string();
    let sign = dingtalk_sign(SECRET, &ts);
    let request = impatient
        .post(env.url(DINGTALK_SEND))
        .query(&[("access_token", TOKEN), ("timestamp", ts.as_str()), ("sign", sign.as_str())])
        .header("content-type", JSON)
        .body(text("late").to_string());
    assert!(request.send().await.unwrap_err().is_timeout());
    assert_eq!(env.inbox_of(2).await[1].content["text"]["content"], "late");
    env.emu.reset();
    assert_eq!(env.emu.stats().dingtalk_calls, 0);
}
