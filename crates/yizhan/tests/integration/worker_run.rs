//! The worker against the emulator and an in-memory store: planned messages are claimed, sent,
//! retried, deferred, given up on, taken over after a crash and released on shutdown.

use std::collections::HashMap;
use std::time::Duration;

use secrecy::SecretString;
use yizhan::config::Config;
use yizhan::gateway::{MessageRequest, plan};
use yizhan::worker::Worker;
use yizhan::worker::decide::ChannelRetry;
use yizhan::worker::execute::{AnyClient, execute};
use yizhan_core::{Clock, ManualClock, MessageId, RetryPolicy};
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_store::{DispatchStatus, MessageRecord, MessageStatus, NewDispatch, NewMessage, Store};
use yizhan_test_kit::wait;
use yizhan_wecom::WecomClient;

const T0: i64 = 1_795_395_600_000;

struct Rig {
    emu: EmulatorHandle,
    store: Store,
    clock: Clock,
    control: std::sync::Arc<ManualClock>,
    config: Config,
}

impl Rig {
    async fn new() -> Rig {
        let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
        let text = format!(
            "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
             secret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n",
            emu.base_url()
        );
        let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
        let store = Store::open("sqlite::memory:").await.expect("store");
        let (clock, control) = Clock::manual(T0);
        Rig { emu, store, clock, control, config }
    }

    /// A worker whose client does not retry by itself, with fast, jitter-free rules.
    fn worker(&self, id: &str) -> Worker {
        let client = WecomClient::builder("wwyizhandemo", 1000002, SecretString::from("yizhan-demo-secret".to_owned()))
            .base_url(self.emu.base_url())
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client");
        let clients = HashMap::from([("ops".to_owned(), AnyClient::WecomApp(client))]);
        let rules = ChannelRetry {
            policy: RetryPolicy {
                max_attempts: 3,
                initial: Duration::from_secs(1),
                max: Duration::from_secs(10),
                multiplier: 2.0,
                jitter: 0.0,
            },
            horizon: Duration::from_secs(3600),
            token_retry: Duration::from_secs(1),
        };
        Worker::with_clients(self.store.clone(), clients, self.clock.clone()).with_rules(rules).with_id(id)
    }

    /// Plans `request` for its channel and accepts it, as the API does.
    async fn accept(&self, request: serde_json::Value) -> MessageId {
        let msg = new_message(&self.config, request, self.clock.now_ms());
        self.store.accept(msg).await.expect("accept").id()
    }

    async fn message(&self, id: MessageId) -> MessageRecord {
        self.store.message(id).await.expect("read").expect("stored")
    }

    fn delivered_count(&self) -> usize {
        self.emu.inbox().iter().filter(|d| !d.deduplicated).count()
    }
}

/// From an API request to what the store accepts: plan it and keep the planned bodies.
fn new_message(config: &Config, request: serde_json::Value, now_ms: i64) -> NewMessage {
    let request: MessageRequest = serde_json::from_value(request).expect("request");
    let channel = config.channel(&request.channel).expect("channel");
    let plan = plan(&request, channel, now_ms).expect("plan");
    NewMessage {
        id: MessageId::new(),
        channel: request.channel.clone(),
        api_key: None,
        request: serde_json::to_value(&request).expect("json"),
        idempotency: None,
        send_at_ms: plan.send_at_ms,
        expires_at_ms: plan.expires_at_ms,
        created_at_ms: now_ms,
        dispatches: plan
            .dispatches
            .into_iter()
            .map(|d| NewDispatch {
                resend_safe: d.resend_safe(),
                coalesce_key: None,
                body: d.body,
                endpoint: d.endpoint.to_owned(),
                dedupe_id: d.dedupe_id,
                recipients: d.recipients,
                after_seq: d.after.and_then(|a| i64::try_from(a).ok()),
                duplicate: None,
            })
            .collect(),
    }
}

fn wecom_app(config: &Config) -> &yizhan::config::WecomAppConfig {
    let Some(yizhan::config::ChannelConfig::WecomApp(app)) = config.channel("ops") else { panic!("wecom_app") };
    app
}

fn text_to(users: &[&str]) -> serde_json::Value {
    serde_json::json!({"channel": "ops", "to": {"users": users}, "content": {"text": "disk full on db-3"}})
}

#[tokio::test]
async fn accepted_messages_are_delivered_with_outcomes() {
    let rig = Rig::new().await;
    let worker = rig.worker("w1");
    let good = rig.accept(text_to(&["alice", "bob"])).await;
    let mixed = rig.accept(text_to(&["carol", "zed"])).await;
    assert_eq!(worker.run_until_idle().await.expect("run"), 2);

    let good = rig.message(good).await;
    assert_eq!(good.status, MessageStatus::Delivered);
    let dispatch = &good.dispatches[0];
    assert_eq!(dispatch.status, DispatchStatus::Delivered);
    assert!(dispatch.handles.msgid.is_some());
    assert_eq!(dispatch.attempt_log.len(), 1);
    let mixed = rig.message(mixed).await;
    assert_eq!(mixed.status, MessageStatus::PartiallyDelivered, "an invalid user is not a success");
    let outcomes: Vec<_> =
        mixed.dispatches[0].outcomes.iter().map(|o| (o.recipient.as_str(), o.outcome.as_str())).collect();
    assert_eq!(outcomes, vec![("user:carol", "delivered"), ("user:zed", "invalid")]);
    let mut inbox: Vec<_> = rig.emu.inbox().into_iter().map(|d| d.recipient).collect();
    inbox.sort();
    assert_eq!(inbox, vec!["alice", "bob", "carol"]);
    assert_eq!(worker.run_until_idle().await.expect("idle"), 0, "nothing is sent twice");
}

#[tokio::test]
async fn transient_errors_back_off_then_deliver() {
    let rig = Rig::new().await;
    let worker = rig.worker("w1");
    let id = rig.accept(text_to(&["alice"])).await;
    rig.emu.fail_next_on("/cgi-bin/message/send", 2, -1);
    assert_eq!(worker.run_until_idle().await.expect("run"), 1);
    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::Retrying);
    assert_eq!(record.dispatches[0].next_attempt_at_ms, T0 + 1_000, "first back-off is 1 s");
    assert_eq!(worker.run_until_idle().await.expect("not yet due"), 0);
    rig.control.advance(Duration::from_secs(1));
    assert_eq!(worker.run_until_idle().await.expect("second"), 1);
    assert_eq!(rig.message(id).await.dispatches[0].next_attempt_at_ms, T0 + 1_000 + 2_000);
    rig.control.advance(Duration::from_secs(2));
    assert_eq!(worker.run_until_idle().await.expect("third"), 1);
    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::Delivered);
    let log: Vec<_> = record.dispatches[0].attempt_log.iter().map(|a| (a.result.as_str(), a.counted)).collect();
    assert_eq!(log, vec![("retry", true), ("retry", true), ("delivered", true)]);
    assert_eq!(record.dispatches[0].attempt_log[0].error.as_ref().and_then(|e| e.code), Some(-1));
    assert_eq!(rig.delivered_count(), 1);
}

#[tokio::test]
async fn rate_limits_defer_without_spending_an_attempt() {
    let rig = Rig::new().await;
    let worker = rig.worker("w1");
    let id = rig.accept(text_to(&["alice"])).await;
    // More rate limits than the attempt budget: none of them counts.
    rig.emu.fail_next_on("/cgi-bin/message/send", 4, 45009);
    for _ in 0..4 {
        assert_eq!(worker.run_until_idle().await.expect("run"), 1);
        let record = rig.message(id).await;
        assert_eq!(record.status, MessageStatus::Deferred);
        assert_eq!(record.dispatches[0].attempts, 0);
        assert!(record.dispatches[0].next_attempt_at_ms > rig.clock.now_ms());
        rig.control.set_ms(record.dispatches[0].next_attempt_at_ms);
    }
    assert_eq!(worker.run_until_idle().await.expect("run"), 1);
    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::Delivered);
    let counted: Vec<_> = record.dispatches[0].attempt_log.iter().map(|a| a.counted).collect();
    assert_eq!(counted, vec![false, false, false, false, true]);
    let first = record.dispatches[0].attempt_log[0].error.clone().expect("error");
    assert_eq!((first.kind.as_str(), first.code), ("rate_limited", Some(45009)));
}

#[tokio::test]
async fn permanent_errors_are_dead_with_the_provider_code() {
    let rig = Rig::new().await;
    let worker = rig.worker("w1");
    let id = rig.accept(text_to(&["nobody"])).await;
    assert_eq!(worker.run_until_idle().await.expect("run"), 1);
    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::Dead);
    let error = record.last_error().expect("error");
    assert_eq!((error.kind.as_str(), error.code), ("permanent", Some(81013)));
    assert_eq!(record.dispatches[0].attempt_log.len(), 1, "no retry of a permanent error");
    rig.control.advance(Duration::from_secs(3600));
    assert_eq!(worker.run_until_idle().await.expect("run"), 0);
}

#[tokio::test]
async fn ambiguous_drops_are_resent_and_delivered_once() {
    let rig = Rig::new().await;
    let worker = rig.worker("w1");
    // A first send fetches the access token, so the dropped connection is the message's own.
    rig.accept(text_to(&["bob"])).await;
    assert_eq!(worker.run_until_idle().await.expect("warm up"), 1);
    let id = rig.accept(text_to(&["alice"])).await;
    rig.emu.drop_next_connections(1);
    assert_eq!(worker.run_until_idle().await.expect("run"), 1);
    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::Retrying);
    assert!(record.last_error().expect("error").ambiguous);
    rig.control.advance(Duration::from_secs(1));
    assert_eq!(worker.run_until_idle().await.expect("resend"), 1);
    assert_eq!(rig.message(id).await.status, MessageStatus::Delivered);
    let to_alice = rig.emu.inbox().into_iter().filter(|d| d.recipient == "alice" && !d.deduplicated).count();
    assert_eq!(to_alice, 1);
}

#[tokio::test]
async fn unknown_channels_are_dead() {
    let rig = Rig::new().await;
    let worker = Worker::with_clients(rig.store.clone(), HashMap::new(), rig.clock.clone());
    let id = rig.accept(text_to(&["alice"])).await;
    assert_eq!(worker.run_until_idle().await.expect("run"), 1);
    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::Dead);
    assert!(record.last_error().expect("error").message.contains("unknown channel"));
}

#[tokio::test]
async fn a_crashed_workers_claims_are_taken_over_after_the_lease() {
    let rig = Rig::new().await;
    let id = rig.accept(text_to(&["alice"])).await;
    // The crashed worker claims, even sends, and never completes.
    let claimed = rig.store.claim_due("crashed", T0, 60_000, 10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    let d = &claimed[0];
    let client = AnyClient::WecomApp(yizhan::channels::wecom_app_client(wecom_app(&rig.config)).expect("client"));
    execute(&client, &d.endpoint, &d.body, &d.recipients, d.upstream.as_ref()).await.expect("sent before the crash");
    let worker = rig.worker("w2").with_lease(Duration::from_secs(60));
    assert_eq!(worker.run_until_idle().await.expect("leased"), 0);
    rig.control.advance(Duration::from_secs(61));
    assert_eq!(worker.run_until_idle().await.expect("taken over"), 1);
    assert_eq!(rig.message(id).await.status, MessageStatus::Delivered);
    let late = rig.store.release(&claimed[0].claim).await; // the crashed worker lost its lease
    assert!(late.is_err_and(|e| e.is_conflict()));
    // The takeover resent the identical body, which WeCom's duplicate check absorbed.
    assert_eq!(rig.emu.inbox().len(), 2);
    assert_eq!(rig.delivered_count(), 1);
}

#[tokio::test]
async fn run_wakes_on_notify_and_releases_claims_on_shutdown() {
    let rig = Rig::new().await;
    // Woken, not polled: the worker polls once an hour, far beyond every deadline below.
    let worker =
        rig.worker("w1").with_poll(Duration::from_secs(3600)).with_shutdown_timeout(Duration::from_millis(100));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let worker = worker.clone();
        async move { worker.run(async { stopped.await.ok().unwrap_or(()) }).await }
    });
    // The first claim is answered (empty: nothing is accepted yet); from then on the loop waits
    // for the waker, the store's due signal (never, on SQLite) or the hour's poll.
    wait::until("the worker's first claim", Duration::from_secs(5), || worker.claims_answered() >= 1).await;
    let first = rig.accept(text_to(&["alice"])).await;
    assert_eq!(worker.claims_answered(), 1, "nothing but the wake-up below may make the worker claim again");
    worker.waker().notify_one();
    wait::for_state("the first message delivered after a wake-up", Duration::from_secs(5), async || {
        let status = rig.message(first).await.status;
        if status == MessageStatus::Delivered { Ok(()) } else { Err(status) }
    })
    .await;

    // A slow provider: the send is in flight when shutdown comes, so its claim is released.
    rig.emu.set_delay(Duration::from_secs(3));
    let second = rig.accept(text_to(&["bob"])).await;
    worker.waker().notify_one();
    wait::for_state("the second message claimed after a wake-up", Duration::from_secs(5), async || {
        let status = rig.message(second).await.dispatches[0].status;
        if status == DispatchStatus::InFlight { Ok(()) } else { Err(status) }
    })
    .await;
    stop.send(()).expect("worker running");
    running.await.expect("joined").expect("clean shutdown");
    let record = rig.message(second).await;
    assert_eq!(record.dispatches[0].status, DispatchStatus::Pending, "released");
    assert_eq!(record.dispatches[0].attempts, 0, "a release does not spend an attempt");
    let again = rig.store.claim_due("w2", rig.clock.now_ms(), 60_000, 10).await.expect("claim");
    assert_eq!(again.len(), 1, "due again at once");
}

#[tokio::test]
async fn workers_built_from_configuration_have_every_channel() {
    let rig = Rig::new().await;
    let worker = Worker::new(rig.store.clone(), &rig.config, rig.clock.clone()).expect("worker");
    let id = rig.accept(text_to(&["dave"])).await;
    assert_eq!(worker.run_until_idle().await.expect("run"), 1);
    assert_eq!(rig.message(id).await.status, MessageStatus::Delivered);
}

/// A repeat the outbox did not guard (these bodies carry no duplicate guard, as a body written
/// by a quota split or a merged call does not): WeCom drops it and answers with the first
/// request's msgid (the emulator's default answer), the worker recognises the msgid of another
/// message and resends without the duplicate check, or, under `options.dedupe`, records it
/// `suppressed_duplicate`.
#[tokio::test]
async fn an_unguarded_repeat_is_recognised_by_its_msgid() {
    let rig = Rig::new().await;
    let worker = rig.worker("w1");
    let first = rig.accept(text_to(&["carol"])).await;
    worker.run_until_idle().await.expect("run");
    let again = rig.accept(text_to(&["carol"])).await;
    worker.run_until_idle().await.expect("run");
    let (first, again) = (rig.message(first).await, rig.message(again).await);
    assert_eq!((first.status, again.status), (MessageStatus::Delivered, MessageStatus::Delivered));
    assert_ne!(first.dispatches[0].handles.msgid, again.dispatches[0].handles.msgid);
    let log = &again.dispatches[0].attempt_log;
    assert_eq!(log.len(), 2, "dropped once, then resent: {log:?}");
    let why = log[0].error.as_ref().map(|e| e.message.clone()).unwrap_or_default();
    assert!(why.contains(&first.id.to_string()) && why.contains("duplicate"), "{why}");
    assert!(!String::from_utf8_lossy(&again.dispatches[0].body).contains("enable_duplicate_check"));
    let carol = rig.emu.inbox().into_iter().filter(|d| d.recipient == "carol").collect::<Vec<_>>();
    assert_eq!(carol.iter().filter(|d| !d.deduplicated).count(), 2, "{carol:?}");

    // Asked to dedupe, under a guard key of its own (so only the msgid can tell).
    let mut asked = text_to(&["carol"]);
    asked["options"] = serde_json::json!({"dedupe": true});
    let mut asked = new_message(&rig.config, asked, rig.clock.now_ms());
    let guard = yizhan_store::DuplicateGuard { key: "unseen".into(), window_ms: 60_000, suppress: true };
    asked.dispatches[0].duplicate = Some(guard);
    let asked = rig.store.accept(asked).await.expect("accept").id();
    worker.run_until_idle().await.expect("run");
    let asked = rig.message(asked).await;
    assert_eq!(asked.status, MessageStatus::SuppressedDuplicate);
    assert_eq!(asked.dispatches[0].outcomes[0].outcome, "suppressed_duplicate");
}
