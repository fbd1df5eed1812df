//! A real Alertmanager in front of a gateway: alerts posted to Alertmanager's API v2 reach the
//! WeCom emulator through `/v1/intake/alertmanager/{route}`; and the API v2 client creates a
//! silence that Alertmanager then lists with its matchers and creator.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use yizhan::config::Config;
use yizhan::intake::matcher::Matcher;
use yizhan::intake::silences::{AlertmanagerApi, NewAlert, NewSilence, SilenceMatcher};
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig};

use crate::support::Running;
use crate::support::alertmanager::Alertmanager;

const KEY: &str = "intake-key-0123456789";

/// A gateway on an in-memory store whose route `ops` sends markdown to the owner label's user
/// through the emulator, and the on-call tag for critical alerts.
async fn gateway(emu: &yizhan_emulator::EmulatorHandle) -> Running {
    let text = format!(
        r#"
[store]
url = "sqlite::memory:"

[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "wwyizhandemo"
agent_id = 1000002
secret = "yizhan-demo-secret"
base_url = "{}"

[[api_keys]]
name = "alertmanager"
sha256 = "{}"
channels = ["ops"]

[[routes]]
name = "ops"
language = "en"
[[routes.channels]]
channel = "ops"
to = {{ users = ["{{{{ labels.owner | default('alice') }}}}"] }}
severity.critical = {{ tags = ["1"] }}
"#,
        emu.base_url(),
        ApiKeys::hash(KEY)
    );
    Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// Alertmanager waits `group_wait` and retries on its own schedule: 30 s for a notification.
const ALERTMANAGER_WITHIN: Duration = Duration::from_secs(30);

#[tokio::test]
async fn an_alert_posted_to_alertmanager_reaches_wecom_through_the_route() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = gateway(&emu).await;
    let webhook = format!("{}/v1/intake/alertmanager/ops", gateway.base);
    let Some(am) = Alertmanager::start(&webhook, KEY).await else { return };
    let api = AlertmanagerApi::new(&am.base).expect("client");
    api.post_alerts(&[NewAlert {
        labels: labels(&[("alertname", "DiskFull"), ("severity", "critical"), ("owner", "bob"), ("instance", "db-3")]),
        annotations: labels(&[("summary", "Disk 97% full on db-3")]),
        generator_url: "http://prometheus.example/graph?g0.expr=disk".to_owned(),
        ends_at: None,
    }])
    .await
    .expect("alert posted");
    let inbox = crate::support::wait_for_inbox(&emu, "the firing alert", ALERTMANAGER_WITHIN, |inbox| {
        ["bob", "carol", "dave"].iter().all(|user| inbox.iter().any(|d| d.recipient == *user))
    })
    .await;
    // bob from the owner label; carol and dave are tag 1, added for a critical alert.
    let to_bob = inbox.iter().find(|d| d.recipient == "bob").expect("bob");
    assert_eq!(to_bob.msgtype, "markdown");
    let content = to_bob.content["content"].as_str().unwrap_or_default();
    assert!(content.contains("[FIRING 1] DiskFull"), "{content}");
    assert!(content.contains("Disk 97% full on db-3"), "{content}");
    assert!(
        content.contains(&format!("{}/#/silences/new?filter=", am.base)),
        "a silence link on Alertmanager: {content}"
    );
    assert!(!inbox.iter().any(|d| d.recipient == "alice"), "the owner label replaced the default");
    gateway.stop().await;
}

#[tokio::test]
async fn a_silence_created_through_api_v2_is_listed_back_with_its_matchers_and_creator() {
    let Some(am) = Alertmanager::start("http://127.0.0.1:9/unused", "unused").await else { return };
    let api = AlertmanagerApi::new(&am.base).expect("client");
    let matchers = vec![
        SilenceMatcher::equal("alertname", "HighCPU"),
        SilenceMatcher::from(&Matcher::parse(r#"instance=~"web-.*""#).expect("matcher")),
    ];
    let silence = NewSilence::lasting(matchers.clone(), Duration::from_secs(3600), "alice", "silenced from WeCom");
    let id = api.create_silence(&silence).await.expect("silence created");
    assert!(!id.is_empty());
    let listed = api.silences(&[Matcher::parse(r#"alertname="HighCPU""#).expect("filter")]).await.expect("listed");
    let found = listed.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("{id} not in {listed:#?}"));
    assert_eq!(found.created_by, "alice");
    assert_eq!(found.comment, "silenced from WeCom");
    assert_eq!(found.status.state, "active");
    let mut got = found.matchers.clone();
    let mut want = matchers;
    got.sort_by(|a, b| a.name.cmp(&b.name));
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(got, want);
    let span = found.ends_at.duration_since(found.starts_at);
    assert!(span <= jiff::SignedDuration::from_hours(1) && span > jiff::SignedDuration::from_mins(59), "{span:?}");
    // A filter that no silence has lists nothing; an end in the past is refused with its reason.
    let none = api.silences(&[Matcher::parse(r#"alertname="Other""#).expect("filter")]).await.expect("listed");
    assert!(none.iter().all(|s| s.id != id));
    let mut past = NewSilence::lasting(vec![SilenceMatcher::equal("a", "b")], Duration::from_secs(60), "x", "y");
    past.ends_at = jiff::Timestamp::from_second(1_000_000).expect("time");
    past.starts_at = jiff::Timestamp::from_second(999_000).expect("time");
    let refused = api.create_silence(&past).await.expect_err("an end in the past");
    assert!(refused.to_string().contains("400"), "{refused}");
}
