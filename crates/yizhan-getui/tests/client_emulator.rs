//! The Getui client against the emulator: behaviour that spans several calls.

use std::time::Duration;

use secrecy::SecretString;
use yizhan_core::{FailureKind, RetryPolicy};
use yizhan_emulator::{CidConfig, Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_getui::api::{CidAlias, push_all, push_single_alias, push_single_cid, push_tag};
use yizhan_getui::push::{Audience, ClickType, Condition, Notification, OptType, PushMessage, PushRequest};
use yizhan_getui::status::CidStatus;
use yizhan_getui::{GetuiClient, GetuiClientBuilder};
use yizhan_test_kit::wait;

const APP_ID: &str = "yizhandemo";
const APP_KEY: &str = "yizhan-demo-appkey";
const MASTER: &str = "yizhan-demo-master";

async fn emulator() -> EmulatorHandle {
    Emulator::spawn(EmulatorConfig::default()).await.expect("emulator starts")
}

fn builder(emu: &EmulatorHandle) -> GetuiClientBuilder {
    GetuiClient::builder(APP_ID, APP_KEY, SecretString::from(MASTER.to_owned())).base_url(emu.base_url()).retry_policy(
        RetryPolicy { initial: Duration::from_millis(5), max: Duration::from_millis(20), ..RetryPolicy::default() },
    )
}

fn client(emu: &EmulatorHandle) -> GetuiClient {
    builder(emu).build().expect("client builds")
}

fn message(title: &str) -> PushMessage {
    PushMessage::notification(Notification::new(title, "body text", ClickType::Startapp))
}

fn delivered_to(emu: &EmulatorHandle, cid: &str) -> usize {
    emu.inbox().iter().filter(|d| d.recipient == cid && !d.deduplicated && d.dropped.is_none()).count()
}

#[tokio::test]
async fn single_pushes_report_each_cid_status() {
    let emu = emulator().await;
    let client = client(&emu);
    let mut seen = Vec::new();
    for cid in ["cid-alice", "cid-bob", "cid-old"] {
        let results = client.push_single_cid(&push_single_cid::Request::new(cid, message("hi"))).await.expect("push");
        let (taskid, statuses) = results.into_iter().next().expect("one task");
        assert!(!taskid.is_empty());
        seen.push(statuses[cid].clone());
    }
    assert_eq!(seen, vec![CidStatus::SuccessedOnline, CidStatus::SuccessedOffline, CidStatus::SuccessedIgnore]);
    assert_eq!(delivered_to(&emu, "cid-alice"), 1);
    assert_eq!(delivered_to(&emu, "cid-old"), 0, "inactive cids are ignored, not delivered");
}

#[tokio::test]
async fn cold_start_stampede_authenticates_once() {
    let emu = emulator().await;
    let client = client(&emu);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client.push_single_cid(&push_single_cid::Request::new("cid-alice", message(&format!("n{i}")))).await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("push");
    }
    assert_eq!(emu.stats().auth_calls, 1);
    assert_eq!(delivered_to(&emu, "cid-alice"), 100);
}

#[tokio::test]
async fn token_rejected_reauthenticates_once_and_resends_the_same_request_id() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.expire_tokens();
    let request = push_single_cid::Request::new("cid-alice", message("after expiry"));
    client.push_single_cid(&request).await.expect("refreshed and resent");
    assert_eq!(emu.stats().auth_calls, 2);
    let inbox = emu.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].request_id.as_deref(), Some(request.0.request_id.as_str()));
}

#[tokio::test]
async fn a_token_rejected_twice_is_token_expired() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.fail_next_on("/push/single/cid", 2, 10001);
    let err = client.push_single_cid(&push_single_cid::Request::new("cid-alice", message("x"))).await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (FailureKind::TokenExpired, Some(10001)));
    assert_eq!(emu.stats().auth_calls, 2, "exactly one re-auth");
}

/// HTTP 5xx is retried (Getui REST v2 docs: return codes). The emulator answers an undocumented
/// code (-1) with HTTP 500 and a JSON envelope; that is a server failure, not a permanent refusal.
#[tokio::test]
async fn an_http_500_with_an_undocumented_code_is_retried() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.fail_next_on("/push/single/cid", 1, -1);
    let request = push_single_cid::Request::new("cid-alice", message("after a 500"));
    client.push_single_cid(&request).await.expect("retried after the 500");
    assert_eq!(delivered_to(&emu, "cid-alice"), 1);
    assert_eq!(emu.stats().errors, 1, "the 500 was answered once");

    let no_retry = builder(&emu).retry_policy(RetryPolicy::none()).build().expect("client");
    emu.fail_next_on("/push/single/cid", 1, -1);
    let err = no_retry.push_single_cid(&request).await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (FailureKind::Transient, Some(-1)), "{err}");
}

#[tokio::test]
async fn list_push_of_2501_cids_makes_3_calls_with_one_taskid() {
    let mut config = EmulatorConfig::default();
    let cids: Vec<String> = (0..2501).map(|i| format!("cid-{i:05}")).collect();
    for cid in &cids {
        config.getui.cids.insert(cid.clone(), CidConfig::default());
    }
    let emu = Emulator::spawn(config).await.expect("emulator");
    let client = client(&emu);
    let body = PushRequest::without_audience(message("to everyone on the list"));
    let outcome = client.push_to_cids(body, &cids).await.expect("list push");
    assert_eq!(outcome.calls, 3);
    assert_eq!(outcome.statuses.len(), 2501, "the tail chunk is not lost");
    let inbox = emu.inbox();
    assert_eq!(inbox.len(), 2501);
    assert!(inbox.iter().all(|d| d.msgid == outcome.taskid), "one taskid for every chunk");
    assert!(outcome.statuses.values().all(|s| *s == CidStatus::SuccessedOnline));
}

#[tokio::test]
async fn an_ambiguous_timeout_is_resent_with_the_same_request_id_and_delivered_once() {
    let emu = emulator().await;
    let client = builder(&emu)
        .read_timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy { initial: Duration::from_millis(250), jitter: 0.0, ..RetryPolicy::default() })
        .build()
        .expect("client");
    client.access_token().await.expect("token");
    emu.set_delay(Duration::from_millis(400));
    let clear = {
        let emu = emu.clone();
        tokio::spawn(async move {
            // The first push is handled and its answer held 400 ms, past the client's 100 ms
            // read timeout: the resend (250 ms later) must be answered at once.
            wait::until("the first push at the emulator", Duration::from_secs(5), || !emu.inbox().is_empty()).await;
            emu.set_delay(Duration::ZERO);
        })
    };
    let request = push_single_cid::Request::new("cid-alice", message("once only"));
    let results = client.push_single_cid(&request).await.expect("resent after the timeout");
    clear.await.expect("clear task");
    assert_eq!(results.values().next().expect("task")["cid-alice"], CidStatus::SuccessedOnline);
    assert_eq!(delivered_to(&emu, "cid-alice"), 1, "delivered exactly once");
    let dedup: Vec<_> = emu.inbox().into_iter().filter(|d| d.deduplicated).collect();
    assert_eq!(dedup.len(), 1);
    assert_eq!(dedup[0].request_id.as_deref(), Some(request.0.request_id.as_str()));
}

#[tokio::test]
async fn error_bodies_of_400_401_403_are_classified() {
    let emu = emulator().await;
    let client = client(&emu);
    let err = client.push_single_cid(&push_single_cid::Request::new("cid-nobody", message("x"))).await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (FailureKind::Permanent, Some(20001)));
    assert!(err.to_string().contains("target user is invalid"), "{err}");

    for i in 0..5 {
        client.push_all(&push_all::Request::new(message(&format!("all {i}")))).await.expect("within 5/min");
    }
    let err = client.push_all(&push_all::Request::new(message("sixth"))).await.unwrap_err();
    assert_eq!(err.code(), Some(30014));
    match err.kind() {
        FailureKind::RateLimited { retry_after: Some(wait) } => assert!(wait <= Duration::from_secs(60)),
        other => panic!("expected RateLimited with a wait, got {other:?}"),
    }

    let wrong = GetuiClient::builder(APP_ID, APP_KEY, SecretString::from("not-the-master".to_owned()))
        .base_url(emu.base_url())
        .build()
        .expect("client");
    let before = emu.stats().auth_calls;
    let err = wrong.access_token().await.unwrap_err();
    assert_eq!(err.kind(), FailureKind::Permanent);
    assert!(!format!("{err} {err:?}").contains("not-the-master"));
    assert_eq!(emu.stats().auth_calls - before, 1, "a bad signature is not retried");
}

#[tokio::test]
async fn transport_failures_rotate_to_the_next_base_url() {
    let emu = emulator().await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}", dead.local_addr().expect("addr"));
    drop(dead);
    let client = builder(&emu).base_urls([dead_url, emu.base_url()]).build().expect("client");
    client.push_single_cid(&push_single_cid::Request::new("cid-bob", message("rotated"))).await.expect("second host");
    assert_eq!(client.host(), emu.base_url());
}

#[tokio::test]
async fn code_301_switches_to_the_domains_it_carries() {
    let emu = emulator().await;
    let localhost = emu.base_url().replace("127.0.0.1", "localhost");
    let client = builder(&emu).base_url(localhost).build().expect("client");
    client.access_token().await.expect("token");
    emu.redirect_next(1, vec![format!("{}/v2/", emu.base_url())]);
    client.push_single_cid(&push_single_cid::Request::new("cid-alice", message("moved"))).await.expect("push");
    assert_eq!(client.host(), emu.base_url());
    assert_eq!(delivered_to(&emu, "cid-alice"), 1);
}

#[tokio::test]
async fn aliases_tags_and_status_with_encoded_paths() {
    let emu = emulator().await;
    let client = client(&emu);
    client.bind_aliases(vec![CidAlias::new("cid-bob", "张三")]).await.expect("bind");
    assert_eq!(client.alias_of_cid("cid-bob").await.expect("alias"), "张三");
    assert_eq!(client.cids_of_alias("张三").await.expect("cids"), vec!["cid-bob"]);
    let results =
        client.push_single_alias(&push_single_alias::Request::new("张三", message("by alias"))).await.expect("push");
    assert_eq!(results.values().next().expect("task")["cid-bob"], CidStatus::SuccessedOffline);
    client.unbind_alias("张三").await.expect("unbind");
    assert!(client.cids_of_alias("张三").await.expect("cids").is_empty());

    client.set_custom_tags("cid-alice", ["vip", "北京"]).await.expect("tags");
    let mut tags = client.custom_tags("cid-alice").await.expect("tags");
    tags.sort();
    assert_eq!(tags, vec!["vip", "北京"]);
    let taskid = client
        .push_tag(&push_tag::Request::new(vec![Condition::new("custom_tag", ["北京"], OptType::Or)], message("tagged")))
        .await
        .expect("tag push");
    assert!(!taskid.is_empty());
    assert_eq!(delivered_to(&emu, "cid-alice"), 1);
    assert_eq!(delivered_to(&emu, "cid-bob"), 1, "the alias push only");

    let status = client.user_status(&["cid-alice".into(), "cid-bob".into()]).await.expect("status");
    assert_eq!(status.len(), 2);
    assert!(client.alias_of_cid("a/b").await.is_err(), "a '/' in a single segment is refused before sending");
}

#[tokio::test]
async fn list_tasks_can_be_stopped_and_reported() {
    let emu = emulator().await;
    let client = client(&emu);
    let cids = vec!["cid-alice".to_owned(), "cid-bob".to_owned()];
    let outcome = client.push_to_cids(PushRequest::new(Audience::All, message("list")), &cids).await.expect("list");
    let report = client.task_report(std::slice::from_ref(&outcome.taskid)).await.expect("report");
    assert!(report.contains_key(&outcome.taskid), "{report:?}");
    client.stop_task(&outcome.taskid).await.expect("stop");
    client.revoke_token().await.expect("revoke");
    client
        .push_single_cid(&push_single_cid::Request::new("cid-alice", message("after revoke")))
        .await
        .expect("re-auth");
    assert_eq!(emu.stats().auth_calls, 2);
}
