//! The quota ledger against the emulator, on a manual clock: work over a provider's limit is
//! deferred (whole or split), never dropped and never sent into a silent drop, and the ledger
//! survives a restart by rebuilding from the outbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use yizhan::config::Config;
use yizhan::gateway::{MessageRequest, plan};
use yizhan::shaping::{QuotaLedger, Shaping};
use yizhan::worker::Worker;
use yizhan::worker::decide::ChannelRetry;
use yizhan::worker::execute::AnyClient;
use yizhan_core::{Clock, ManualClock, MessageId, RetryPolicy};
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_shared::{FallbackWindows, SharedBackend, redis_connection};
use yizhan_store::{DispatchStatus, MessageRecord, MessageStatus, NewMessage, Store};
use yizhan_wecom::{RobotClient, WecomClient};

use yizhan_test_kit::postgres::TempDatabase;
use yizhan_test_kit::redis::TestRedis;

const T0: i64 = 1_795_395_600_000;
const ROBOT_KEY: &str = "yizhan-demo-robot-key";

struct Rig {
    emu: EmulatorHandle,
    store: Store,
    clock: Clock,
    control: Arc<ManualClock>,
    config: Config,
}

impl Rig {
    async fn new(users: Vec<String>) -> Rig {
        let (clock, control) = Clock::manual(T0);
        let mut emulator = EmulatorConfig::default();
        if !users.is_empty() {
            emulator.wecom.users = users;
        }
        let emu = Emulator::spawn_with_clock(emulator, clock.clone()).await.expect("emulator");
        let text = format!(
            "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
             secret = \"yizhan-demo-secret\"\nbase_url = \"{url}\"\n\n\
             [[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"{ROBOT_KEY}\"\nbase_url = \"{url}\"\n",
            url = emu.base_url()
        );
        let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
        let store = Store::open("sqlite::memory:").await.expect("store");
        Rig { emu, store, clock, control, config }
    }

    /// A worker on the rig's clock with the configured quota rules on a fresh ledger; clients
    /// neither retry nor limit by themselves, so every protection seen is the ledger's.
    fn worker(&self, shaping: Shaping) -> Worker {
        let app = WecomClient::builder("wwyizhandemo", 1000002, SecretString::from("yizhan-demo-secret".to_owned()))
            .base_url(self.emu.base_url())
            .clock(self.clock.clone())
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client");
        let robot = RobotClient::builder(SecretString::from(ROBOT_KEY.to_owned()))
            .base_url(self.emu.base_url())
            .clock(self.clock.clone())
            .retry_policy(RetryPolicy::none())
            .local_rate_limit(None)
            .build()
            .expect("robot");
        let clients = HashMap::from([
            ("ops".to_owned(), AnyClient::WecomApp(app)),
            ("bot".to_owned(), AnyClient::WecomRobot(robot)),
        ]);
        let rules = ChannelRetry {
            policy: RetryPolicy { jitter: 0.0, ..RetryPolicy::default() },
            horizon: Duration::from_secs(14_400),
            token_retry: Duration::from_secs(1),
        };
        Worker::with_clients(self.store.clone(), clients, self.clock.clone())
            .with_shaping(Arc::new(shaping))
            .with_rules(rules)
    }

    async fn accept(&self, request: serde_json::Value) -> MessageId {
        let request: MessageRequest = serde_json::from_value(request).expect("request");
        let now = self.clock.now_ms();
        let plan = plan(&request, self.config.channel(&request.channel).expect("channel"), now).expect("plan");
        let msg = NewMessage {
            id: MessageId::new(),
            channel: request.channel.clone(),
            api_key: None,
            request: serde_json::to_value(&request).expect("json"),
            idempotency: None,
            send_at_ms: plan.send_at_ms,
            expires_at_ms: plan.expires_at_ms,
            created_at_ms: now,
            dispatches: plan.new_dispatches(None),
        };
        self.store.accept(msg).await.expect("accept").id()
    }

    async fn message(&self, id: MessageId) -> MessageRecord {
        self.store.message(id).await.expect("read").expect("stored")
    }

    /// 15 messages to alice accepted and sent by each of `workers` in turn (45 within a
    /// minute), then time runs on for three minutes; every message must end delivered.
    async fn three_instances_send_45(&self, workers: &[Worker]) -> Vec<MessageId> {
        // Each ledger rebuilds itself from the outbox at its first claim: let that happen on an
        // empty outbox, as on instances started together.
        for worker in workers {
            worker.run_until_idle().await.expect("run");
        }
        let mut ids = Vec::new();
        for (i, worker) in workers.iter().enumerate() {
            for n in 0..15 {
                ids.push(self.accept(text("ops", &["alice"], &format!("instance {i} alert {n}"))).await);
            }
            worker.run_until_idle().await.expect("run");
            self.control.advance(Duration::from_secs(1));
        }
        for _ in 0..40 {
            self.control.advance(Duration::from_secs(5));
            for worker in workers {
                worker.run_until_idle().await.expect("run");
            }
        }
        ids
    }

    /// Runs `worker` until idle at every step of `step` up to `until` (from now).
    async fn run_over(&self, worker: &Worker, until: Duration, step: Duration) {
        let end = self.clock.now_ms() + i64::try_from(until.as_millis()).expect("ms");
        loop {
            worker.run_until_idle().await.expect("run");
            if self.clock.now_ms() >= end {
                return;
            }
            self.control.advance(step);
        }
    }
}

fn text(channel: &str, users: &[&str], content: &str) -> serde_json::Value {
    if users.is_empty() {
        serde_json::json!({"channel": channel, "content": {"text": content}})
    } else {
        serde_json::json!({"channel": channel, "to": {"users": users}, "content": {"text": content}})
    }
}

fn statuses(records: &[MessageRecord]) -> HashMap<MessageStatus, usize> {
    let mut out = HashMap::new();
    for r in records {
        *out.entry(r.status).or_default() += 1;
    }
    out
}

#[tokio::test]
async fn a_hundred_messages_to_one_member_in_a_minute_are_all_delivered_none_dropped() {
    let rig = Rig::new(Vec::new()).await;
    let worker = rig.worker(Shaping::new(&rig.config));
    let mut ids = Vec::new();
    for i in 0..100 {
        ids.push(rig.accept(text("ops", &["alice"], &format!("alert {i}"))).await);
    }
    worker.run_until_idle().await.expect("run");
    let mut records = Vec::new();
    for id in &ids {
        records.push(rig.message(*id).await);
    }
    let now = statuses(&records);
    assert_eq!(now.get(&MessageStatus::Delivered), Some(&30), "{now:?}");
    assert_eq!(now.get(&MessageStatus::Deferred), Some(&70), "{now:?}");
    let deferred = records.iter().find(|r| r.status == MessageStatus::Deferred).expect("a deferred message");
    assert_eq!(deferred.next_attempt_at_ms(), Some(T0 + 60_000), "due when the first send leaves the minute");
    assert_eq!(deferred.dispatches[0].attempts, 0, "a deferral spends no attempt");
    assert_eq!(rig.emu.stats().dropped, 0);

    rig.run_over(&worker, Duration::from_secs(600), Duration::from_secs(5)).await;
    for id in &ids {
        let record = rig.message(*id).await;
        assert_eq!(record.status, MessageStatus::Delivered, "{id}");
        assert_eq!(record.dispatches[0].outcomes[0].outcome, "delivered");
    }
    let stats = rig.emu.stats();
    assert_eq!((stats.delivered, stats.dropped, stats.errors), (100, 0, 0), "{stats:?}");
    let inbox = rig.emu.inbox();
    assert!(inbox.iter().all(|d| d.recipient == "alice" && d.dropped.is_none() && !d.deduplicated));
    // Never more than 30 in any sliding minute, and it took four minutes (30 + 30 + 30 + 10).
    let times: Vec<i64> = inbox.iter().map(|d| d.at_ms).collect();
    for &t in &times {
        assert!(times.iter().filter(|&&e| e > t - 60_000 && e <= t).count() <= 30);
    }
    assert_eq!(times.iter().max(), Some(&(T0 + 180_000)));
    let deferrals = worker.shaping().deferrals();
    assert_eq!(deferrals.len(), 1);
    assert_eq!((deferrals[0].0.as_str(), deferrals[0].1), ("ops", "member"));
    assert!(deferrals[0].2 >= 70, "{deferrals:?}");
}

/// The oracle check: without the ledger the emulator does drop, so the test above can fail.
#[tokio::test]
async fn without_the_ledger_the_emulator_drops_silently() {
    let rig = Rig::new(Vec::new()).await;
    let worker = rig.worker(Shaping::disabled());
    for i in 0..40 {
        rig.accept(text("ops", &["alice"], &format!("alert {i}"))).await;
    }
    worker.run_until_idle().await.expect("run");
    let stats = rig.emu.stats();
    assert_eq!((stats.delivered, stats.dropped), (30, 10), "{stats:?}");
}

#[tokio::test]
async fn twenty_five_robot_messages_in_a_minute_get_no_45009_and_all_arrive() {
    let rig = Rig::new(Vec::new()).await;
    let worker = rig.worker(Shaping::new(&rig.config));
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(rig.accept(text("bot", &[], &format!("robot alert {i}"))).await);
    }
    worker.run_until_idle().await.expect("run");
    assert_eq!(rig.emu.stats().robot_calls, 20, "the 21st waits for the window");
    rig.run_over(&worker, Duration::from_secs(300), Duration::from_secs(5)).await;
    let stats = rig.emu.stats();
    assert_eq!((stats.robot_calls, stats.errors), (25, 0), "no 45009: {stats:?}");
    let robot_inbox: Vec<_> = rig.emu.inbox().into_iter().filter(|d| d.provider == "wecom_robot").collect();
    assert_eq!(robot_inbox.len(), 25);
    assert!(robot_inbox.iter().all(|d| d.dropped.is_none()));
    for id in &ids {
        assert_eq!(rig.message(*id).await.status, MessageStatus::Delivered);
    }
    assert!(robot_inbox.iter().filter(|d| d.at_ms < T0 + 60_000).count() == 20);
}

#[tokio::test]
async fn a_dispatch_with_ten_of_forty_users_over_budget_is_split_and_every_outcome_is_right() {
    let users: Vec<String> = (0..39).map(|i| format!("u{i:02}")).collect();
    let rig = Rig::new(users.clone()).await;
    let worker = rig.worker(Shaping::new(&rig.config));
    // Use up the minute of u00..u09: 30 messages to those ten.
    let busy: Vec<&str> = users[..10].iter().map(String::as_str).collect();
    for i in 0..30 {
        rig.accept(text("ops", &busy, &format!("warm-up {i}"))).await;
    }
    worker.run_until_idle().await.expect("warm-up");
    assert_eq!(rig.emu.stats().delivered, 300);

    // 40 recipients: the ten busy ones, 29 others and one that is not in the directory.
    rig.control.advance(Duration::from_secs(1));
    let mut forty: Vec<&str> = users.iter().map(String::as_str).collect();
    forty.push("ghost");
    let id = rig.accept(text("ops", &forty, "the forty")).await;
    worker.run_until_idle().await.expect("run");

    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::Deferred);
    assert_eq!(record.dispatches.len(), 2, "split into the part that went and the part that waits");
    let (sent, waiting) = (&record.dispatches[0], &record.dispatches[1]);
    assert_eq!(sent.status, DispatchStatus::Delivered);
    assert_eq!(sent.recipients.len(), 30);
    assert!(sent.recipients.iter().all(|r| !busy.contains(&r.trim_start_matches("user:"))));
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["touser"].as_str().unwrap().split('|').count(), 30, "the persisted body is the part sent");
    assert_eq!(waiting.status, DispatchStatus::Deferred);
    assert_eq!(waiting.attempts, 0);
    let want: Vec<String> = busy.iter().map(|u| format!("user:{u}")).collect();
    assert_eq!(waiting.recipients, want);
    let body: serde_json::Value = serde_json::from_slice(&waiting.body).unwrap();
    assert_eq!(body["touser"], busy.join("|"));
    assert_eq!(body["text"]["content"], "the forty");
    assert_eq!(waiting.next_attempt_at_ms, T0 + 60_000, "when u00..u09's first warm-up leaves the minute");
    assert_eq!(record.next_attempt_at_ms(), Some(T0 + 60_000));
    let outcomes: HashMap<&str, &str> =
        sent.outcomes.iter().map(|o| (o.recipient.as_str(), o.outcome.as_str())).collect();
    assert_eq!(outcomes.len(), 30);
    assert_eq!(outcomes["user:ghost"], "invalid");
    assert_eq!(outcomes.values().filter(|o| **o == "delivered").count(), 29);
    let inbox_of =
        |emu: &EmulatorHandle| emu.inbox().into_iter().filter(|d| d.content["content"] == "the forty").count();
    assert_eq!(inbox_of(&rig.emu), 29);

    rig.run_over(&worker, Duration::from_secs(120), Duration::from_secs(5)).await;
    let record = rig.message(id).await;
    assert_eq!(record.status, MessageStatus::PartiallyDelivered, "ghost is invalid, everyone else delivered");
    let outcomes: HashMap<String, String> = record
        .dispatches
        .iter()
        .flat_map(|d| d.outcomes.iter().map(|o| (o.recipient.clone(), o.outcome.clone())))
        .collect();
    assert_eq!(outcomes.len(), 40);
    for user in &users {
        assert_eq!(outcomes[&format!("user:{user}")], "delivered", "{user}");
    }
    assert_eq!(inbox_of(&rig.emu), 39);
    let stats = rig.emu.stats();
    assert_eq!((stats.dropped, stats.deduplicated), (0, 0), "{stats:?}");
}

#[tokio::test]
async fn a_restarted_worker_rebuilds_the_ledger_from_the_outbox() {
    let rig = Rig::new(Vec::new()).await;
    let first = rig.worker(Shaping::new(&rig.config));
    for i in 0..30 {
        rig.accept(text("ops", &["alice"], &format!("before {i}"))).await;
    }
    first.run_until_idle().await.expect("run");
    assert_eq!(rig.emu.stats().delivered, 30);

    // A new process: a fresh worker and ledger on the same outbox, 10 s later.
    drop(first);
    rig.control.advance(Duration::from_secs(10));
    let second = rig.worker(Shaping::new(&rig.config));
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(rig.accept(text("ops", &["alice"], &format!("after {i}"))).await);
    }
    second.run_until_idle().await.expect("run");
    assert_eq!(rig.emu.stats().dropped, 0, "the rebuilt ledger knows alice's minute is full");
    for id in &ids {
        let record = rig.message(*id).await;
        assert_eq!(record.status, MessageStatus::Deferred);
        assert_eq!(record.next_attempt_at_ms(), Some(T0 + 60_000));
    }
    rig.run_over(&second, Duration::from_secs(120), Duration::from_secs(5)).await;
    let stats = rig.emu.stats();
    assert_eq!((stats.delivered, stats.dropped), (35, 0), "{stats:?}");
}

/// Three instances (three workers, each with its own ledger) on one Redis ledger keep a
/// member's 30/min cluster-wide; `three_local_ledgers_let_the_emulator_drop` is the oracle check.
#[tokio::test]
async fn three_instances_on_one_redis_ledger_keep_a_members_limit() {
    let Some(redis) = TestRedis::connect().await else { return };
    // A fresh key prefix: the manual clock starts at the same instant in every run.
    let connection = redis_connection(redis.url()).expect("redis client");
    let backend = SharedBackend::Redis { connection, prefix: redis.prefix().to_owned() };
    three_instances_keep_a_members_limit(&backend).await;
}

/// The same on PostgreSQL, the shared store of a cluster without Redis.
#[tokio::test]
async fn three_instances_on_one_postgres_ledger_keep_a_members_limit() {
    let Some(db) = TempDatabase::create().await else { return };
    let backend = SharedBackend::open(None, &db.url).await.expect("postgres").expect("a postgres backend");
    three_instances_keep_a_members_limit(&backend).await;
}

async fn three_instances_keep_a_members_limit(backend: &SharedBackend) {
    let rig = Rig::new(Vec::new()).await;
    let shared = |_| {
        let ledger = QuotaLedger::Shared(FallbackWindows::new(backend.windows()));
        rig.worker(Shaping::new_on(&rig.config, ledger))
    };
    let workers: Vec<Worker> = (0..3).map(shared).collect();
    let ids = rig.three_instances_send_45(&workers).await;
    let stats = rig.emu.stats();
    assert_eq!((stats.delivered, stats.dropped), (45, 0), "{stats:?}");
    for id in ids {
        let record = rig.store.message(id).await.expect("read").expect("stored");
        assert_eq!(record.status, MessageStatus::Delivered, "{id}");
    }
    let times: Vec<i64> = rig.emu.inbox().iter().map(|d| d.at_ms).collect();
    for &t in &times {
        assert!(times.iter().filter(|&&e| e > t - 60_000 && e <= t).count() <= 30, "over 30 in a minute");
    }
}

#[tokio::test]
async fn three_local_ledgers_let_the_emulator_drop() {
    let rig = Rig::new(Vec::new()).await;
    let workers: Vec<Worker> = (0..3).map(|_| rig.worker(Shaping::new(&rig.config))).collect();
    rig.three_instances_send_45(&workers).await;
    let stats = rig.emu.stats();
    assert_eq!((stats.delivered, stats.dropped), (30, 15), "{stats:?}");
}
