//! `[store] redis_url` wires the shared token cache into `serve`: three gateway instances (each
//! on its own SQLite outbox here) delivering concurrently through one emulator make exactly one
//! gettoken between them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::Running;

const KEY: &str = "shared-tokens-test-key";
use crate::support::redis::{redis_reachable, redis_url};

const PER_INSTANCE: usize = 12;

fn config(emu: &EmulatorHandle, db: &std::path::Path, redis: &str) -> Config {
    let text = format!(
        "[store]\nurl = \"sqlite://{}\"\nredis_url = \"{redis}\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
        db.display(),
        emu.base_url(),
        ApiKeys::hash(KEY)
    );
    Config::parse(&text, "t.toml", &HashMap::new()).expect("config")
}

fn delivered(emu: &EmulatorHandle) -> usize {
    emu.inbox().iter().filter(|d| !d.deduplicated && d.dropped.is_none()).count()
}

/// Three gateways with their own outboxes on one Redis (through `redis`, a URL).
async fn three_instances(emu: &EmulatorHandle, redis: &str, dir: &std::path::Path) -> Vec<Running> {
    std::fs::create_dir_all(dir).expect("dir");
    let mut instances = Vec::new();
    for i in 0..3 {
        instances.push(Running::start(config(emu, &dir.join(format!("outbox{i}.db")), redis)).await);
    }
    instances
}

/// `PER_INSTANCE` messages through each instance (tagged `round`); waits until the emulator
/// delivered `expected` in all.
async fn send_round(emu: &EmulatorHandle, instances: &[Running], round: &str, expected: usize) {
    let http = reqwest::Client::new();
    let mut posts = Vec::new();
    for n in 0..PER_INSTANCE {
        for (i, instance) in instances.iter().enumerate() {
            let user = ["alice", "bob", "carol", "dave"][n % 4];
            let body =
                format!(r#"{{"channel":"ops","to":{{"users":["{user}"]}},"content":{{"text":"{round} i{i} n{n}"}}}}"#);
            let request = http.post(format!("{}/v1/messages", instance.base)).bearer_auth(KEY).body(body);
            posts.push(tokio::spawn(request.send()));
        }
    }
    for post in posts {
        assert_eq!(post.await.expect("task").expect("post").status(), 202);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while delivered(emu) < expected {
        assert!(Instant::now() < deadline, "only {} of {expected} delivered", delivered(emu));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn scratch_dir(emu: &EmulatorHandle, name: &str) -> std::path::PathBuf {
    let port = emu.base_url().rsplit(':').next().unwrap_or_default().trim_end_matches('/').to_owned();
    std::env::temp_dir().join(format!("yizhan-{name}-{}-{port}", std::process::id()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_one_redis_make_one_gettoken() {
    let redis = redis_url();
    if !redis_reachable(&redis).await {
        return;
    }
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let dir = scratch_dir(&emu, "shared");
    let instances = three_instances(&emu, &redis, &dir).await;
    send_round(&emu, &instances, "one", 3 * PER_INSTANCE).await;
    assert_eq!(emu.stats().gettoken_calls, 1, "the three instances share one token through Redis");
    for instance in instances {
        instance.stop().await;
    }
    drop_token_keys(&redis, &emu).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Redis stops mid-run (a proxy in front of it is cut): the instances fall back to their own
/// tokens and conservative local quotas and keep delivering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delivery_continues_when_redis_stops() {
    let redis = redis_url();
    if !redis_reachable(&redis).await {
        return;
    }
    let target: std::net::SocketAddr =
        redis.trim_start_matches("redis://").trim_end_matches('/').parse().expect("redis://host:port");
    let proxy = yizhan_emulator::CutProxy::start(target).await.expect("proxy");
    let via_proxy = format!("redis://{}", proxy.addr());
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let dir = scratch_dir(&emu, "redis-cut");
    let instances = three_instances(&emu, &via_proxy, &dir).await;
    send_round(&emu, &instances, "before", 3 * PER_INSTANCE).await;
    assert_eq!(emu.stats().gettoken_calls, 1, "one shared token while Redis is up");

    proxy.cut();
    // The shared token expires while Redis is away: each instance must fetch its own.
    emu.expire_tokens();
    send_round(&emu, &instances, "during", 6 * PER_INSTANCE).await;
    let fetched = emu.stats().gettoken_calls;
    assert!((2..=4).contains(&fetched), "local fetches while Redis is down: {fetched} gettoken calls in all");
    assert_eq!(emu.stats().dropped, 0);
    for instance in instances {
        instance.stop().await;
    }
    drop_token_keys(&redis, &emu).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Deletes this test's token and lease keys (named by the hash of the channel's scope).
async fn drop_token_keys(redis: &str, emu: &EmulatorHandle) {
    let scope = format!("wecom:{}#wwyizhandemo#1000002", emu.base_url().trim_end_matches('/'));
    let hash = hex::encode(Sha256::digest(scope.as_bytes()));
    let addr = redis.trim_start_matches("redis://").trim_end_matches('/').to_owned();
    if let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (a, b) = (format!("yizhan:tok:{hash}"), format!("yizhan:lease:{hash}"));
        let command = format!("*3\r\n$3\r\nDEL\r\n${}\r\n{a}\r\n${}\r\n{b}\r\n", a.len(), b.len());
        let _ = stream.write_all(command.as_bytes()).await;
        let mut reply = [0u8; 16];
        let _ = stream.read(&mut reply).await;
    }
}
