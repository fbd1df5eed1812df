//! The client against the emulator: behaviour that spans several calls.

use std::time::Duration;

use secrecy::SecretString;
use yizhan_core::{FailureKind, RetryPolicy};
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_wecom::api::message_send::Request;
use yizhan_wecom::{Error, Message, Recipients, WecomClient, WecomClientBuilder};

const SEND: &str = "/cgi-bin/message/send";
const GETTOKEN: &str = "/cgi-bin/gettoken";
const SECRET: &str = "yizhan-demo-secret";

fn fast_retries() -> RetryPolicy {
    RetryPolicy { initial: Duration::from_millis(5), max: Duration::from_millis(20), ..RetryPolicy::default() }
}

async fn emulator() -> EmulatorHandle {
    Emulator::spawn(EmulatorConfig::default()).await.expect("emulator starts")
}

fn builder(emu: &EmulatorHandle) -> WecomClientBuilder {
    WecomClient::builder("wwyizhandemo", 1000002, SecretString::from(SECRET.to_owned()))
        .base_url(emu.base_url())
        .retry_policy(fast_retries())
}

fn client(emu: &EmulatorHandle) -> WecomClient {
    builder(emu).build().expect("client builds")
}

#[tokio::test]
async fn cold_start_stampede_fetches_one_token() {
    let emu = emulator().await;
    let client = client(&emu);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client.send_message(&Recipients::users(["alice"]), Message::text(format!("stampede {i}"))).await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("send succeeds");
    }
    let stats = emu.stats();
    assert_eq!(stats.gettoken_calls, 1, "100 cold callers must share one gettoken");
    assert_eq!(stats.send_calls, 100);
}

#[tokio::test]
async fn token_expired_mid_stream_refreshes_once_then_succeeds() {
    let emu = emulator().await;
    let client = client(&emu);
    client.send_message(&Recipients::users(["alice"]), Message::text("one")).await.expect("first send");
    emu.expire_tokens();
    let receipt = client.send_message(&Recipients::users(["alice"]), Message::text("two")).await.expect("second send");
    assert!(!receipt.msgid.is_empty());
    let stats = emu.stats();
    assert_eq!(stats.gettoken_calls, 2, "exactly one refresh");
    assert_eq!(stats.send_calls, 3, "the rejected call plus one retry");
    assert_eq!(emu.inbox().iter().filter(|d| d.dropped.is_none() && !d.deduplicated).count(), 2);
}

#[tokio::test]
async fn a_token_rejected_after_refresh_is_token_expired_without_looping() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.fail_next_on(SEND, 2, 40014);
    let err = client.send_message(&Recipients::users(["alice"]), Message::text("x")).await.unwrap_err();
    assert_eq!(err.kind(), FailureKind::TokenExpired);
    assert_eq!(err.code(), Some(40014));
    assert_eq!(emu.stats().gettoken_calls, 2);
    assert_eq!(emu.stats().send_calls, 2);
}

#[tokio::test]
async fn system_busy_is_retried_to_success() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.fail_next_on(SEND, 2, -1);
    client.send_message(&Recipients::users(["bob"]), Message::text("busy?")).await.expect("retried to success");
    assert_eq!(emu.stats().send_calls, 3);
    assert_eq!(emu.inbox().len(), 1);
}

#[tokio::test]
async fn system_busy_gives_up_after_the_policy_allows() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.fail_next_on(SEND, 10, 45033);
    let err = client.send_message(&Recipients::users(["bob"]), Message::text("x")).await.unwrap_err();
    assert_eq!(err.kind(), FailureKind::Transient);
    assert_eq!(err.code(), Some(45033));
    assert_eq!(emu.stats().send_calls, 4, "1 attempt + 3 retries by default");
}

#[tokio::test]
async fn rate_limit_is_classified_and_not_retried() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.fail_next_on(SEND, 1, 45009);
    let err = client.send_message(&Recipients::users(["bob"]), Message::text("x")).await.unwrap_err();
    assert_eq!(err.kind(), FailureKind::RateLimited { retry_after: Some(Duration::from_secs(60)) });
    assert_eq!(emu.stats().send_calls, 1);
}

#[tokio::test]
async fn untrusted_ip_is_permanent_with_the_remedy_and_never_loops() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.fail_next_on(GETTOKEN, 5, 60020);
    let err = client.send_message(&Recipients::users(["bob"]), Message::text("x")).await.unwrap_err();
    assert_eq!(err.kind(), FailureKind::Permanent);
    assert_eq!(err.code(), Some(60020));
    assert!(err.to_string().contains("可信IP"), "{err}");
    assert_eq!(emu.stats().gettoken_calls, 1);
    assert_eq!(emu.stats().send_calls, 0);
}

#[tokio::test]
async fn wrong_credentials_are_permanent_configuration_errors() {
    let emu = emulator().await;
    let wrong_corp = WecomClient::builder("wwnobody", 1000002, SecretString::from(SECRET.to_owned()))
        .base_url(emu.base_url())
        .build()
        .unwrap();
    let err = wrong_corp.access_token().await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (FailureKind::Permanent, Some(40013)));
    let wrong_secret = WecomClient::builder("wwyizhandemo", 1000002, SecretString::from("nope".to_owned()))
        .base_url(emu.base_url())
        .build()
        .unwrap();
    let err = wrong_secret.send_message(&Recipients::users(["bob"]), Message::text("x")).await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (FailureKind::Permanent, Some(40001)));
    assert!(!format!("{err} {err:?}").contains("nope"), "the secret must not leak into errors");
    assert_eq!(emu.stats().gettoken_calls, 2, "one call each, no loop");
}

#[tokio::test]
async fn all_recipients_invalid_is_permanent_and_keeps_the_lists() {
    let emu = emulator().await;
    let client = client(&emu);
    let err = client.send_message(&Recipients::users(["Zed", "yan"]), Message::text("x")).await.unwrap_err();
    assert_eq!((err.kind(), err.code()), (FailureKind::Permanent, Some(81013)));
    let receipt = err.receipt().expect("81013 carries the lists");
    assert_eq!(receipt.invalid_users, vec!["zed", "yan"]);
    assert!(err.to_string().contains("zed"), "{err}");
}

#[tokio::test]
async fn partial_invalid_recipients_are_reported_and_the_rest_delivered() {
    let emu = emulator().await;
    let client = client(&emu);
    let recipients = Recipients { users: vec!["alice".into(), "Zed".into()], parties: vec!["99".into()], tags: vec![] };
    let receipt = client.send_message(&recipients, Message::text("partial")).await.expect("errcode 0");
    assert_eq!(receipt.invalid_users, vec!["zed"]);
    assert_eq!(receipt.invalid_parties, vec!["99"]);
    let inbox = emu.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].recipient, "alice");
    assert_eq!(inbox[0].msgid, receipt.msgid);
}

#[tokio::test]
async fn duplicate_check_is_honoured_by_the_emulator() {
    let emu = emulator().await;
    let client = client(&emu);
    let mut request = Request::new(1000002, &Recipients::users(["carol"]), Message::text("once"));
    request.enable_duplicate_check = Some(1);
    request.duplicate_check_interval = Some(600);
    let first = client.send(&request).await.expect("first");
    let second = client.send(&request).await.expect("second");
    assert_eq!(first.msgid, second.msgid);
    let inbox = emu.inbox();
    assert_eq!(inbox.iter().filter(|d| !d.deduplicated).count(), 1);
    assert_eq!(inbox.iter().filter(|d| d.deduplicated).count(), 1);
    assert_eq!(emu.stats().delivered, 1);
}

#[tokio::test]
async fn a_lost_answer_is_ambiguous_and_not_resent_without_duplicate_check() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.drop_next_connections(1);
    let err = client.send_message(&Recipients::users(["dave"]), Message::text("x")).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(err.kind(), FailureKind::Transient);
    assert_eq!(emu.stats().send_calls, 1, "no blind resend");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("access_token=") && !text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn a_lost_answer_is_resent_when_duplicate_check_protects_it() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.drop_next_connections(1);
    let mut request = Request::new(1000002, &Recipients::users(["dave"]), Message::text("exactly once"));
    request.enable_duplicate_check = Some(1);
    client.send(&request).await.expect("resent and answered");
    let delivered: Vec<_> = emu.inbox().into_iter().filter(|d| !d.deduplicated && d.dropped.is_none()).collect();
    assert_eq!(delivered.len(), 1, "delivered exactly once: {delivered:?}");
}

#[tokio::test]
async fn a_read_timeout_after_writing_is_ambiguous() {
    let emu = emulator().await;
    let client = builder(&emu).read_timeout(Duration::from_millis(100)).build().unwrap();
    client.access_token().await.expect("token");
    emu.set_delay(Duration::from_millis(400));
    let err = client.send_message(&Recipients::users(["dave"]), Message::text("slow")).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(emu.stats().send_calls, 1);
}

#[tokio::test]
async fn http_500_on_gettoken_is_retried() {
    let emu = emulator().await;
    let client = client(&emu);
    emu.http_500_next(1);
    // The next call answers 500; success means the client retried the idempotent gettoken.
    client.access_token().await.expect("gettoken is idempotent and retried");
}

#[tokio::test]
async fn http_500_on_send_is_ambiguous_without_duplicate_check() {
    let emu = emulator().await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.http_500_next(1);
    let err = client.send_message(&Recipients::users(["dave"]), Message::text("x")).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert!(err.to_string().contains("500"), "{err}");
}

#[tokio::test]
async fn validation_fails_before_any_request() {
    let emu = emulator().await;
    let client = client(&emu);
    let err = client.send_message(&Recipients::default(), Message::text("x")).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(v) if v.field == "touser"), "{err}");
    let err = client.send_message(&Recipients::users(["a"]), Message::text("字".repeat(683))).await.unwrap_err();
    assert!(err.to_string().contains("2048"), "{err}");
    assert_eq!(emu.stats().gettoken_calls + emu.stats().send_calls, 0);
}

#[tokio::test]
async fn debug_output_never_shows_the_secret() {
    let emu = emulator().await;
    let client = client(&emu);
    let token = client.access_token().await.unwrap();
    let debug = format!("{client:?} {token:?}");
    assert!(!debug.contains(SECRET) && !debug.contains(token.expose()), "{debug}");
}
