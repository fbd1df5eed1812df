//! One WeCom card per alert group, with a real Alertmanager in front of the gateway: the first
//! firing notification sends one `button_interaction` card; the resolution updates that card
//! (one send and one update at the emulator, no second message); Silence and Acknowledge clicks
//! (the emulator's `/__emulator/click`, delivered as encrypted callbacks) create the silence in
//! Alertmanager and update the card for everyone; a burst of 500 alerts in 50 groups makes 50
//! cards within WeCom's per-member quota, none dropped.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use yizhan::config::Config;
use yizhan::intake::cards::{ACK_KEY, SILENCE_1H_KEY};
use yizhan::intake::matcher::Matcher;
use yizhan::intake::silences::{AlertmanagerApi, NewAlert, SilenceMatcher};
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Click, Delivery, Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_test_kit::wait;

use crate::support::Running;
use crate::support::alertmanager::Alertmanager;

const KEY: &str = "intake-cards-key-0123456789";
/// Alertmanager waits `group_wait` and flushes every `group_interval` on its own schedule.
const WITHIN: Duration = Duration::from_secs(30);

/// The pieces of one test: the emulator, Alertmanager and the gateway between them.
struct Rig {
    emu: EmulatorHandle,
    am: Alertmanager,
    api: AlertmanagerApi,
    gateway: Running,
}

impl Rig {
    /// A gateway whose route `ops` sends one card per group to `users` (`kind = "template_card"`)
    /// with `extra` TOML appended; an emulator configured by `emulator` that calls the gateway
    /// back on clicks; an Alertmanager posting to the route. `None` when Alertmanager is missing
    /// outside CI.
    async fn start(users: &[&str], mut emulator: EmulatorConfig, extra: &str) -> Option<Rig> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let am = Alertmanager::start(&format!("{base}/v1/intake/alertmanager/ops"), KEY).await?;
        emulator.wecom.apps[0].callback_url = Some(format!("{base}/v1/callbacks/wecom/ops"));
        let emu = Emulator::spawn(emulator).await.expect("emulator");
        let users: Vec<String> = users.iter().map(|u| format!("{u:?}")).collect();
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
base_url = "{emu}"
[channels.callback]
token = "yizhandemotoken"
encoding_aes_key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

[[api_keys]]
name = "alertmanager"
sha256 = "{hash}"
channels = ["ops"]

[[routes]]
name = "ops"
kind = "template_card"
language = "en"
alertmanager_url = "{am}"
[[routes.channels]]
channel = "ops"
to = {{ users = [{users}] }}
{extra}
"#,
            emu = emu.base_url(),
            hash = ApiKeys::hash(KEY),
            am = am.base,
            users = users.join(", "),
        );
        let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
        let gateway = Running::start_on(config, listener).await;
        let api = AlertmanagerApi::new(&am.base).expect("client");
        Some(Rig { emu, am, api, gateway })
    }

    /// Posts one alert to Alertmanager, resolved when `resolved`.
    async fn post(&self, labels: &BTreeMap<String, String>, resolved: bool) {
        let alert = NewAlert {
            labels: labels.clone(),
            annotations: pairs(&[("summary", "Disk 97% full on db-3")]),
            generator_url: "http://prometheus.example/graph?g0.expr=disk".to_owned(),
            ends_at: resolved.then(jiff::Timestamp::now),
        };
        self.api.post_alerts(&[alert]).await.expect("alert posted");
    }

    /// Waits until the emulator shows `n` cards sent to `user`; the inbox then.
    async fn wait_for_cards(&self, user: &str, n: usize) -> Vec<Delivery> {
        crate::support::wait_for_inbox(&self.emu, &format!("{n} cards to {user}"), WITHIN, |inbox| {
            sent_cards(inbox, user).len() >= n
        })
        .await
    }

    /// Waits until an update of the card with `task_id` contains `text`; that update's card.
    async fn wait_for_update(&self, task_id: &str, text: &str) -> serde_json::Value {
        wait_for_update(&self.emu, task_id, text).await
    }
}

fn pairs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The template cards sent (message/send) to `user`, oldest first.
fn sent_cards<'a>(inbox: &'a [Delivery], user: &str) -> Vec<&'a Delivery> {
    inbox.iter().filter(|d| d.msgtype == "template_card" && d.recipient == user).collect()
}

/// The cards of the updates (update_template_card) of the card with `task_id`, oldest first.
fn updates(inbox: &[Delivery], task_id: &str) -> Vec<serde_json::Value> {
    inbox
        .iter()
        .filter(|d| d.msgtype == "update_template_card" && d.content["template_card"]["task_id"] == task_id)
        .map(|d| d.content["template_card"].clone())
        .collect()
}

#[tokio::test]
async fn a_group_gets_one_card_that_its_resolution_updates() {
    let Some(rig) = Rig::start(&["alice"], EmulatorConfig::default(), "").await else { return };
    let labels = pairs(&[("alertname", "DiskFull"), ("instance", "db-3"), ("severity", "critical")]);
    rig.post(&labels, false).await;
    let inbox = rig.wait_for_cards("alice", 1).await;
    let card = &sent_cards(&inbox, "alice")[0].content;
    assert_eq!(card["card_type"], "button_interaction", "{card}");
    assert!(card["main_title"]["title"].as_str().unwrap_or_default().contains("DiskFull"), "{card}");
    let keys: Vec<&str> =
        card["button_list"].as_array().expect("buttons").iter().filter_map(|b| b["key"].as_str()).collect();
    assert_eq!(keys, ["yizhan-ack", "yizhan-silence-1h", "yizhan-silence-24h"]);
    let task_id = card["task_id"].as_str().expect("task_id").to_owned();

    rig.post(&labels, true).await;
    let resolved = rig.wait_for_update(&task_id, "Resolved").await;
    assert!(resolved["replace_text"].as_str().is_some_and(|t| t.starts_with("Resolved ")), "{resolved}");
    assert_eq!(resolved["card_type"], "button_interaction");
    let inbox = rig.emu.inbox();
    assert_eq!(sent_cards(&inbox, "alice").len(), 1, "no second message: {inbox:#?}");
    assert_eq!(updates(&inbox, &task_id).len(), 1, "one update");
    rig.gateway.stop().await;
}

#[tokio::test]
async fn silence_and_acknowledge_clicks_act_in_alertmanager_and_update_the_card_for_everyone() {
    let Some(rig) = Rig::start(&["alice", "bob"], EmulatorConfig::default(), "").await else { return };
    let labels = pairs(&[("alertname", "HighLatency"), ("service", "api"), ("severity", "warning")]);
    rig.post(&labels, false).await;
    let inbox = rig.wait_for_cards("bob", 1).await;
    let task_id = sent_cards(&inbox, "bob")[0].content["task_id"].as_str().expect("task_id").to_owned();

    // Silence 1h from alice's card: the silence exists in Alertmanager with the group's labels
    // as matchers and alice as its creator, and every recipient's card says so.
    let clicked = rig.emu.click(Click::task_id(&task_id, "alice", SILENCE_1H_KEY)).await.expect("click");
    assert!(clicked.delivered, "the gateway answered the callback: {:?}", clicked.attempts);
    let filter = [Matcher::parse(r#"alertname="HighLatency""#).expect("filter")];
    let silence = wait::for_state("the silence in Alertmanager", WITHIN, async || {
        let listed = rig.api.silences(&filter).await.map_err(|e| e.to_string())?;
        listed.into_iter().find(|s| s.created_by == "alice").ok_or_else(|| "none yet".to_owned())
    })
    .await;
    let mut matchers = silence.matchers.clone();
    matchers.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(matchers, SilenceMatcher::for_labels(&labels));
    assert_eq!(silence.status.state, "active");
    let span = silence.ends_at.duration_since(silence.starts_at);
    assert!(span > jiff::SignedDuration::from_mins(59) && span <= jiff::SignedDuration::from_hours(1), "{span:?}");
    let silenced = rig.wait_for_update(&task_id, "Silenced by alice").await;
    assert!(silenced.to_string().contains(&silence.id), "the card names the silence: {silenced}");

    // Acknowledge from bob's card: the card shows who, for everyone (atall).
    let clicked = rig.emu.click(Click::task_id(&task_id, "bob", ACK_KEY)).await.expect("click");
    assert!(clicked.delivered, "{:?}", clicked.attempts);
    let acked = rig.wait_for_update(&task_id, "Acknowledged by bob").await;
    assert_eq!(acked["button_list"][0]["text"], "Acknowledged");
    assert!(acked.to_string().contains("Silenced by alice"), "the silence is still shown: {acked}");
    let inbox = rig.emu.inbox();
    assert!(
        inbox.iter().filter(|d| d.msgtype == "update_template_card").all(|d| d.recipient == "*"),
        "updates are for every recipient"
    );
    assert_eq!(sent_cards(&inbox, "bob").len(), 1, "updated, never sent again");

    // Both actions are events of the log, read back from the start of the stream.
    let events = read_events(&rig.gateway.base, "alert.acknowledged,alert.silenced", 2).await;
    assert!(events.contains("event: alert.silenced") && events.contains(&silence.id), "{events}");
    assert!(events.contains("event: alert.acknowledged") && events.contains(r#""user":"bob""#), "{events}");
    drop(rig.am);
    rig.gateway.stop().await;
}

#[tokio::test]
async fn a_burst_of_500_alerts_in_50_groups_makes_50_cards_within_the_member_quota() {
    // WeCom drops (silently) app messages over a member's per-minute limit: the emulator does
    // so at 25 here. The gateway's ledger is set to 20: it counts a card when it sends it, the
    // provider when it receives it, so cards released at the edge of the ledger's window can
    // reach a window the provider still fills with slower cards of the first minute; 5 cards
    // of headroom absorb that latency (docs/alerts.md, "Card lifecycle"). Over the limit, cards
    // wait for the next window instead of being dropped.
    let mut emulator = EmulatorConfig::default();
    emulator.wecom.per_member_per_minute = 25;
    let extra = "\n[shaping.quota]\nwecom_member_per_minute = 20\n";
    let Some(rig) = Rig::start(&["alice"], emulator, extra).await else { return };
    let alerts: Vec<NewAlert> = (0..500)
        .map(|i| NewAlert {
            labels: pairs(&[("alertname", &format!("Burst{}", i % 50)), ("instance", &format!("host-{i}"))]),
            ..NewAlert::default()
        })
        .collect();
    rig.api.post_alerts(&alerts).await.expect("alerts posted");
    let inbox = crate::support::wait_for_inbox(&rig.emu, "50 cards to alice", Duration::from_secs(150), |inbox| {
        sent_cards(inbox, "alice").len() >= 50
    })
    .await;
    let cards = sent_cards(&inbox, "alice");
    assert_eq!(cards.len(), 50, "one card per group");
    assert!(
        cards.iter().all(|d| d.dropped.is_none()),
        "none dropped: {:?}",
        cards.iter().map(|d| &d.dropped).collect::<Vec<_>>()
    );
    let mut titles: Vec<String> =
        cards.iter().map(|d| d.content["main_title"]["title"].as_str().unwrap_or_default().to_owned()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 50, "fifty distinct groups: {titles:?}");
    let held_back = cards.iter().filter(|d| d.at_ms - cards[0].at_ms < 55_000).count();
    assert!(held_back <= 20, "the ledger sent at most 20 in the first minute, got {held_back}");
    rig.gateway.stop().await;
}

/// A gateway whose route `ops` (silences in `alertmanager`, if any) sends cards to alice and
/// bob, and an emulator that calls it back on clicks.
async fn gateway_alone(alertmanager: Option<&str>) -> (EmulatorHandle, Running) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let mut emulator = EmulatorConfig::default();
    emulator.wecom.apps[0].callback_url = Some(format!("{base}/v1/callbacks/wecom/ops"));
    let emu = Emulator::spawn(emulator).await.expect("emulator");
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\
         [channels.callback]\ntoken = \"yizhandemotoken\"\nencoding_aes_key = \"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C\"\n\n\
         [[api_keys]]\nname = \"am\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n\n\
         [[routes]]\nname = \"ops\"\nkind = \"template_card\"\nlanguage = \"en\"\n{}\n\
         [[routes.channels]]\nchannel = \"ops\"\nto = {{ users = [\"alice\", \"bob\"] }}\n",
        emu.base_url(),
        ApiKeys::hash(KEY),
        alertmanager.map(|url| format!("alertmanager_url = {url:?}")).unwrap_or_default(),
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    (emu, Running::start_on(config, listener).await)
}

#[tokio::test]
async fn repeats_are_not_resent_and_a_card_without_codes_left_is_continued_by_a_new_one() {
    use yizhan::intake::samples::{ALERTMANAGER_FIRING, ALERTMANAGER_RESOLVED};
    let (emu, gateway) = gateway_alone(None).await;
    let api = crate::support::ApiClient::new(&gateway.base, KEY);
    let post = async |sample: &str| {
        let (status, answer) =
            api.post("/v1/intake/alertmanager/ops", Some(&serde_json::from_str(sample).expect("sample"))).await;
        assert_eq!(status, 202, "{answer}");
        let message = &answer["messages"][0];
        (message["id"].as_str().expect("id").to_owned(), message["status"].as_str().expect("status").to_owned())
    };
    let (card_id, status) = post(ALERTMANAGER_FIRING).await;
    assert_eq!(status, "accepted");
    let inbox =
        crate::support::wait_for_inbox(&emu, "the card", WITHIN, |inbox| sent_cards(inbox, "alice").len() == 1).await;
    let task_id = sent_cards(&inbox, "alice")[0].content["task_id"].as_str().expect("task_id").to_owned();
    api.wait_for(&card_id, &["delivered"]).await;

    // The same notification again (no repeat_window): nothing is sent.
    assert_eq!(post(ALERTMANAGER_FIRING).await, (card_id.clone(), "unchanged".to_owned()));
    // The resolution updates the card with its send's code.
    assert_eq!(post(ALERTMANAGER_RESOLVED).await, (card_id.clone(), "card_update_queued".to_owned()));
    let resolved = wait_for_update(&emu, &task_id, "Resolved").await;
    assert!(resolved["replace_text"].as_str().is_some_and(|t| t.starts_with("Resolved ")), "{resolved}");

    // It fires again: that code is used and nobody clicked, so a new card continues the old one
    // (with its buttons: replace_text is for updates only).
    let (id, status) = post(ALERTMANAGER_FIRING).await;
    assert_eq!((id.as_str(), status.as_str()), (card_id.as_str(), "card_update_queued"));
    let inbox = crate::support::wait_for_inbox(&emu, "the continuing card", WITHIN, |inbox| {
        sent_cards(inbox, "alice").len() == 2
    })
    .await;
    let second = &sent_cards(&inbox, "alice")[1].content;
    assert!(second["task_id"].as_str().is_some_and(|t| t != task_id && t.ends_with("-2")), "{second}");
    assert!(second.to_string().contains("Continues an earlier card"), "{second}");
    assert!(second.get("replace_text").is_none(), "{second}");
    assert_eq!(updates(&inbox, &task_id).len(), 1, "the old card was updated once");

    // Silence without an alertmanager_url: the failure is shown on the card.
    let second_task = second["task_id"].as_str().expect("task_id").to_owned();
    let clicked = emu.click(Click::task_id(&second_task, "bob", SILENCE_1H_KEY)).await.expect("click");
    assert!(clicked.delivered, "{:?}", clicked.attempts);
    let failed = wait_for_update(&emu, &second_task, "Silence failed").await;
    assert!(failed.to_string().contains("Silence failed: route ops has no alertmanager_url"), "{failed}");
    gateway.stop().await;
}

#[tokio::test]
async fn a_silence_that_fails_while_alertmanager_is_down_is_shown_and_retried_until_it_exists() {
    use yizhan::intake::samples::ALERTMANAGER_FIRING;
    let port = yizhan_test_kit::emulator::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let (emu, gateway) = gateway_alone(Some(&url)).await;
    let api = crate::support::ApiClient::new(&gateway.base, KEY);
    let sample: serde_json::Value = serde_json::from_str(ALERTMANAGER_FIRING).expect("sample");
    let (status, answer) = api.post("/v1/intake/alertmanager/ops", Some(&sample)).await;
    assert_eq!(status, 202, "{answer}");
    let inbox =
        crate::support::wait_for_inbox(&emu, "the card", WITHIN, |inbox| sent_cards(inbox, "bob").len() == 1).await;
    let task_id = sent_cards(&inbox, "bob")[0].content["task_id"].as_str().expect("task_id").to_owned();

    // Nothing listens on the route's Alertmanager yet: the card says the silence failed and is retried.
    let clicked =
        emu.click(Click::task_id(&task_id, "bob", yizhan::intake::cards::SILENCE_24H_KEY)).await.expect("click");
    assert!(clicked.delivered, "{:?}", clicked.attempts);
    let failed = wait_for_update(&emu, &task_id, "Silence failed, retrying").await;
    assert!(failed.to_string().contains("did not answer"), "{failed}");

    // Alertmanager comes up on that port: the retry creates the silence, with the group's common
    // labels and bob as its creator, for 24 hours, and the card shows it (the click's code showed
    // the failure, the send's code shows the silence).
    let Some(am) = Alertmanager::start_on(port, "http://127.0.0.1:9/unused", "unused").await else { return };
    let am_api = AlertmanagerApi::new(&am.base).expect("client");
    let filter = [Matcher::parse(r#"alertname="HighCPU""#).expect("filter")];
    let silence = wait::for_state("the retried silence in Alertmanager", Duration::from_secs(60), async || {
        let listed = am_api.silences(&filter).await.map_err(|e| e.to_string())?;
        listed.into_iter().find(|s| s.created_by == "bob").ok_or_else(|| "none yet".to_owned())
    })
    .await;
    let mut matchers = silence.matchers.clone();
    matchers.sort_by(|a, b| a.name.cmp(&b.name));
    let common = pairs(&[("alertname", "HighCPU"), ("job", "node"), ("team", "ops")]);
    assert_eq!(matchers, SilenceMatcher::for_labels(&common));
    let span = silence.ends_at.duration_since(silence.starts_at);
    assert!(span > jiff::SignedDuration::from_hours(23), "{span:?}");
    let shown = wait_for_update(&emu, &task_id, &silence.id).await;
    assert!(shown.to_string().contains("Silenced by bob"), "{shown}");
    assert!(!shown.to_string().contains("Silence failed"), "the failure is gone: {shown}");
    assert_eq!(sent_cards(&emu.inbox(), "bob").len(), 1, "the same card");
    gateway.stop().await;
}

/// Waits until an update of the card with `task_id` contains `text`; that update's card.
async fn wait_for_update(emu: &EmulatorHandle, task_id: &str, text: &str) -> serde_json::Value {
    wait::for_state(&format!("an update showing {text:?}"), WITHIN, async || {
        updates(&emu.inbox(), task_id).into_iter().find(|card| card.to_string().contains(text)).ok_or(())
    })
    .await
}

/// `GET /v1/events?types=…&after=0` read until `n` events arrived (at most 20 s): the text.
async fn read_events(base: &str, types: &str, n: usize) -> String {
    let mut response = reqwest::Client::new()
        .get(format!("{base}/v1/events"))
        .query(&[("types", types), ("after", "0")])
        .bearer_auth(KEY)
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), 200);
    let mut text = String::new();
    let read = async {
        while text.matches("\nevent: ").count() + usize::from(text.starts_with("event: ")) < n {
            match response.chunk().await.expect("chunk") {
                Some(chunk) => text.push_str(&String::from_utf8_lossy(&chunk)),
                None => break,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read).await.expect("the events within 20 s");
    text
}
