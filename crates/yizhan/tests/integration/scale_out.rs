//! Scale-out on PostgreSQL: gateways sharing one database and one emulator.
//!
//! - one gateway accepts and delivers through the emulator;
//! - a worker on instance B wakes on instance A's accept through LISTEN/NOTIFY, not polling;
//! - three gateways take `YIZHAN_SCALE_MESSAGES` messages (default 2,000) round-robin, one of
//!   them is killed mid-run without releasing its leases, and every message is delivered
//!   exactly once at the emulator, the killed instance's leased work by the others.
//!
//! Each test uses a fresh database; without PostgreSQL the tests skip, unless `CI=true`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Row as _;
use yizhan::config::Config;
use yizhan::gateway::{MessageRequest, plan};
use yizhan::server::auth::ApiKeys;
use yizhan::worker::Worker;
use yizhan_core::{Clock, MessageId};
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_store::{MessageStatus, NewDispatch, NewMessage, Store};

use crate::support::{ApiClient, Running};
use yizhan_test_kit::postgres::TempDatabase;
use yizhan_test_kit::redis::TestRedis;
use yizhan_test_kit::wait;

const KEY: &str = "scale-out-test-key";
/// Directory size: enough members that 20,000 messages stay under 30 per member per minute.
const MEMBERS: usize = 1000;

fn config(emu: &EmulatorHandle, db: &TempDatabase, lease_secs: u64) -> Config {
    config_with(emu, db, lease_secs, "", "worker")
}

/// `config` with extra `[store]` lines (e.g. Redis) and the instance's `[worker] name`.
///
/// The lease is set after parsing: the takeover test wants a killed instance's leases to run
/// out within seconds, shorter than a configuration file may ask for (`lease_secs` must cover
/// the longest provider call, which matters only to instances that stay alive).
fn config_with(emu: &EmulatorHandle, db: &TempDatabase, lease_secs: u64, store_extra: &str, name: &str) -> Config {
    let text = format!(
        "[store]\nurl = \"{}\"\n{store_extra}\n[worker]\nname = \"{name}\"\nconcurrency = 8\n\n\
         [[channels]]\nname = \"ops\"\n\
         kind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\n\
         base_url = \"{}\"\n\n[[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
        db.url,
        emu.base_url(),
        ApiKeys::hash(KEY)
    );
    let mut config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    config.worker.lease_secs = lease_secs;
    config
}

async fn emulator() -> EmulatorHandle {
    let mut config = EmulatorConfig::default();
    config.wecom.users = (0..MEMBERS).map(member).collect();
    Emulator::spawn(config).await.expect("emulator")
}

fn member(i: usize) -> String {
    format!("u{:04}", i % MEMBERS)
}

fn body(i: usize) -> String {
    format!(r#"{{"channel":"ops","to":{{"users":["{}"]}},"content":{{"text":"message {i}"}}}}"#, member(i))
}

/// Delivered (not deduplicated, not dropped) texts at the emulator, with how often each came.
fn delivered(emu: &EmulatorHandle) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for d in emu.inbox().into_iter().filter(|d| !d.deduplicated && d.dropped.is_none()) {
        *seen.entry(d.content["content"].as_str().unwrap_or_default().to_owned()).or_insert(0) += 1;
    }
    seen
}

async fn wait_for_deliveries(emu: &EmulatorHandle, n: u64, within: Duration) {
    wait::for_state(&format!("{n} deliveries at the emulator"), within, async || {
        let delivered = emu.stats().delivered;
        if delivered >= n { Ok(()) } else { Err(delivered) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_on_postgres_accepts_and_delivers() {
    let Some(db) = TempDatabase::create().await else { return };
    let emu = emulator().await;
    let gateway = Running::start(config(&emu, &db, 60)).await;
    let http = reqwest::Client::new();
    let response =
        http.post(format!("{}/v1/messages", gateway.base)).bearer_auth(KEY).body(body(7)).send().await.expect("post");
    assert_eq!(response.status(), 202);
    let id = response.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    wait_for_deliveries(&emu, 1, Duration::from_secs(10)).await;
    ApiClient::new(&gateway.base, KEY).wait_for(&id, &["delivered"]).await;
    assert_eq!(delivered(&emu), BTreeMap::from([("message 7".to_owned(), 1)]));
    gateway.stop().await;
}

/// Plans `request` as the API does and builds what the store accepts.
fn new_message(config: &Config, i: usize) -> NewMessage {
    let request: MessageRequest = serde_json::from_str(&body(i)).expect("request");
    let now_ms = Clock::System.now_ms();
    let plan = plan(&request, config.channel("ops").expect("channel"), now_ms).expect("plan");
    NewMessage {
        id: MessageId::new(),
        channel: "ops".to_owned(),
        api_key: None,
        request: serde_json::to_value(&request).expect("json"),
        idempotency: None,
        send_at_ms: plan.send_at_ms,
        expires_at_ms: plan.expires_at_ms,
        created_at_ms: now_ms,
        dispatches: plan
            .dispatches
            .into_iter()
            .enumerate()
            .map(|(i, d)| NewDispatch {
                resend_safe: d.resend_safe(),
                body: d.body,
                endpoint: d.endpoint.to_owned(),
                dedupe_id: d.dedupe_id,
                recipients: d.recipients,
                // As the API orders them (see `server/messages.rs`); no coalescing here.
                after_seq: match d.after {
                    Some(after) => i64::try_from(after).ok(),
                    None => (plan.ordered && i > 0).then(|| i64::try_from(i - 1).unwrap_or(i64::MAX)),
                },
                coalesce_key: None,
                duplicate: None,
            })
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accept_on_one_instance_wakes_the_worker_of_another() {
    let Some(db) = TempDatabase::create().await else { return };
    let emu = emulator().await;
    let config = config(&emu, &db, 60);
    let a = Store::open(&db.url).await.expect("instance A");
    let b = Store::open(&db.url).await.expect("instance B");
    // B's worker would poll only once an hour: only the notification can wake it.
    let worker = Worker::new(b, &config, Clock::System).expect("worker").with_poll(Duration::from_secs(3600));
    let observed = worker.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        worker
            .run(async move {
                let _ = stopped.await;
            })
            .await
    });
    // Its first claim is answered (empty: nothing is accepted yet); from then on only a
    // wake-up, the due signal or the hour's poll makes it claim again, and nothing in this test
    // wakes it in-process.
    wait::until("B's first claim", Duration::from_secs(10), || observed.claims_answered() >= 1).await;
    for i in 0..3 {
        // B waits: its last claim was answered with nothing due.
        let claims = observed.claims_answered();
        a.accept(new_message(&config, i)).await.expect("accept on A");
        wait_for_deliveries(&emu, u64::try_from(i + 1).expect("small"), Duration::from_secs(5)).await;
        // The claim that took it and the (empty) one after its completion: B waits again.
        wait::until("B's claim after the delivery", Duration::from_secs(5), || {
            observed.claims_answered() >= claims + 2
        })
        .await;
    }
    assert_eq!(delivered(&emu).len(), 3);
    let _ = stop.send(());
    running.await.expect("worker task").expect("worker ends cleanly");
}

/// A dispatch in flight under a lease.
#[derive(Debug)]
struct Lease {
    id: i64,
    claimed_at_ms: i64,
}

/// Dispatches in flight under the leases of the instance whose `[worker] name` is `name`.
async fn leases_of(conn: &mut sqlx::PgConnection, name: &str) -> Vec<Lease> {
    sqlx::query("SELECT id, claimed_at_ms FROM dispatches WHERE status = 'in_flight' AND lease_owner LIKE $1")
        .bind(format!("{name}-%"))
        .fetch_all(conn)
        .await
        .expect("leases")
        .into_iter()
        .map(|r| Lease { id: r.get("id"), claimed_at_ms: r.get("claimed_at_ms") })
        .collect()
}

fn now_ms() -> i64 {
    Clock::System.now_ms()
}

/// Posts messages `range` round-robin through `bases`, 32 at a time; every one must get a 202.
async fn accept_round_robin(http: &reqwest::Client, bases: &[String], range: std::ops::Range<usize>) {
    let bases = Arc::new(bases.to_vec());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(range.start));
    let mut senders = Vec::new();
    for _ in 0..32 {
        let (http, bases, next, end) = (http.clone(), bases.clone(), next.clone(), range.end);
        senders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= end {
                    return;
                }
                let base = &bases[i % bases.len()];
                let response =
                    http.post(format!("{base}/v1/messages")).bearer_auth(KEY).body(body(i)).send().await.expect("post");
                assert_eq!(response.status(), 202, "message {i} through {base}");
            }
        }));
    }
    for s in senders {
        s.await.expect("sender");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_deliver_each_message_once_and_survive_a_kill() {
    let Some(db) = TempDatabase::create().await else { return };
    let n: usize = std::env::var("YIZHAN_SCALE_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let emu = emulator().await;
    // Slow sends and few slots per instance (`concurrency = 8` in `config_with`) while the
    // first half is accepted, so a backlog builds up.
    emu.set_delay(Duration::from_millis(300));
    let lease_secs = 4;
    // One Redis for tokens and quota counters (a fresh key prefix per run); without it the
    // instances share them through PostgreSQL.
    let redis = TestRedis::connect().await;
    let store_extra = redis.as_ref().map_or_else(String::new, |redis| {
        format!("redis_url = \"{}\"\nredis_prefix = \"{}\"\n", redis.url(), redis.prefix())
    });
    let started = Instant::now();
    let mut instances = Vec::new();
    for name in ["scale-a", "scale-b", "scale-c"] {
        instances.push(Running::start(config_with(&emu, &db, lease_secs, &store_extra, name)).await);
    }
    let bases: Vec<String> = instances.iter().map(|r| r.base.clone()).collect();
    let http = reqwest::Client::new();

    // First half through all three instances.
    accept_round_robin(&http, &bases, 0..n / 2).await;
    // Then sends that hang for 2 s (the emulator has delivered them and holds the answer back),
    // and a few more messages, until the instance to be killed has claimed some of them: it dies
    // holding those leases with its sends unanswered, however fast the machine drained the
    // backlog. The wait covers the 300 ms sends claimed before the change.
    let mut conn = db.connect().await;
    emu.set_delay(Duration::from_secs(2));
    let slow_from_ms = now_ms() + 400;
    let extra = (n / 2 + 48).min(n);
    accept_round_robin(&http, &bases, n / 2..extra).await;
    wait::for_state("instance scale-c to claim one of the slow sends", Duration::from_secs(20), async || {
        let leases = leases_of(&mut conn, "scale-c").await;
        if leases.iter().any(|l| l.claimed_at_ms >= slow_from_ms) { Ok(()) } else { Err(leases) }
    })
    .await;
    let killed = instances.pop().expect("three instances");
    let killed_at_ms = now_ms();
    killed.kill().await;
    // What the killed instance held when it died, among sends that cannot have been answered
    // yet (claimed under the 2 s delay less than 1.5 s before the kill): an earlier send may have
    // been answered just before the kill, its completion still reaching the database.
    let orphans: Vec<Lease> = leases_of(&mut conn, "scale-c")
        .await
        .into_iter()
        .filter(|l| l.claimed_at_ms >= slow_from_ms.max(killed_at_ms - 1_500))
        .collect();
    assert!(!orphans.is_empty(), "the killed instance held leases of unanswered sends");
    emu.set_delay(Duration::from_millis(20));
    // The rest through the two survivors.
    accept_round_robin(&http, &bases[..2], extra..n).await;
    let accepted_in = started.elapsed();

    wait_for_deliveries(&emu, u64::try_from(n).expect("n"), Duration::from_secs(60 + n as u64 / 20)).await;
    let took = started.elapsed();
    let seen = delivered(&emu);
    let twice: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let missing: Vec<usize> = (0..n).filter(|i| !seen.contains_key(&format!("message {i}"))).collect();
    assert!(missing.is_empty(), "never delivered: {missing:?}");
    assert_eq!(seen.len(), n);
    let stats = emu.stats();
    assert_eq!(stats.dropped, 0, "no per-member limit was hit");
    // The instances share the app's token through Redis (or PostgreSQL without Redis).
    assert_eq!(stats.gettoken_calls, 1, "one gettoken for the whole cluster");

    let store = Store::open(&db.url).await.expect("store");
    wait::for_state("every message delivered in the store", Duration::from_secs(10), async || {
        let delivered = store.counts().await.expect("counts")["delivered"];
        if delivered == i64::try_from(n).expect("n") { Ok(()) } else { Err(delivered) }
    })
    .await;
    let dead = store.counts().await.expect("counts")[MessageStatus::Dead.as_str()];
    assert_eq!(dead, 0);
    // Each orphan was delivered once, by a survivor that claimed it after the killed instance's
    // lease ran out (the killed instance could record nothing: its tasks were gone).
    for Lease { id, claimed_at_ms } in &orphans {
        let rows = sqlx::query(
            "SELECT result, at_ms - coalesce(duration_ms, 0) AS claimed_ms FROM attempts WHERE dispatch_id = $1",
        )
        .bind(id)
        .fetch_all(&mut conn)
        .await
        .expect("orphan attempts");
        assert_eq!(rows.len(), 1, "orphaned dispatch {id}: one recorded attempt");
        assert_eq!(rows[0].get::<String, _>("result"), "delivered", "orphaned dispatch {id}");
        let reclaimed_ms: i64 = rows[0].get("claimed_ms");
        assert!(
            reclaimed_ms >= claimed_at_ms + i64::try_from(lease_secs * 1000).expect("lease"),
            "orphaned dispatch {id} was claimed again at {reclaimed_ms}, before the lease of {claimed_at_ms} ran out"
        );
    }
    eprintln!(
        "scale-out: {n} messages, 3 instances (one killed with {} leases), accepted in {accepted_in:?}, \
         delivered in {took:?}; emulator: {} gettoken calls, {} sends, {} deduplicated resends, {} dropped",
        orphans.len(),
        stats.gettoken_calls,
        stats.send_calls,
        stats.deduplicated,
        stats.dropped
    );
    store.close().await;
    for r in instances {
        r.stop().await;
    }
}

#[tokio::test]
async fn yizhan_migrate_applies_the_schema_and_serve_can_skip_it() {
    let Some(db) = TempDatabase::create().await else { return };
    let dir = yizhan_test_kit::temp_dir("migrate");
    let path = dir.path().join("yizhan.toml");
    std::fs::write(&path, format!("[store]\nurl = \"{}\"\nmigrate = false\n", db.url)).expect("config");
    let config = Config::load(&path).expect("config loads");
    assert!(!config.store.migrate);
    // Without migrations the store has no tables.
    let bare = Store::open_with(&db.url, config.store.migrate).await.expect("open");
    assert!(bare.counts().await.is_err());
    assert!(bare.ping().await.is_err(), "not ready without the schema");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(["migrate", "--config"])
        .arg(&path)
        .output()
        .expect("yizhan migrate runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), "migrations applied (postgres store)");
    assert!(!stdout.contains(&db.url) && !String::from_utf8_lossy(&out.stderr).contains(&db.url));
    assert_eq!(bare.counts().await.expect("tables exist now")["accepted"], 0);
    bare.ping().await.expect("ready with the schema");
    // Twice is fine.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(["migrate", "--config"])
        .arg(&path)
        .output()
        .expect("yizhan migrate runs");
    assert!(again.status.success());
    bare.close().await;
}
