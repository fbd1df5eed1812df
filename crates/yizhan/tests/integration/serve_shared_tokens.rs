//! `[store] redis_url` wires the shared token cache into `serve`: three gateway instances (each
//! on its own SQLite outbox here) delivering concurrently through one emulator make exactly one
//! gettoken between them.

use std::collections::HashMap;
use std::time::Duration;

use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::Running;

const KEY: &str = "shared-tokens-test-key";
use yizhan_test_kit::redis::TestRedis;
use yizhan_test_kit::wait;

const PER_INSTANCE: usize = 12;

fn config(emu: &EmulatorHandle, db: &std::path::Path, redis: &str, prefix: &str) -> Config {
    let text = format!(
        "[store]\nurl = \"sqlite://{}\"\nredis_url = \"{redis}\"\nredis_prefix = \"{prefix}\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
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

/// Three gateways with their own outboxes on one Redis (through `redis`, a URL), under the test's
/// key prefix `prefix`.
async fn three_instances(emu: &EmulatorHandle, redis: &str, prefix: &str, dir: &std::path::Path) -> Vec<Running> {
    let mut instances = Vec::new();
    for i in 0..3 {
        instances.push(Running::start(config(emu, &dir.join(format!("outbox{i}.db")), redis, prefix)).await);
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
    wait::for_state(&format!("{expected} deliveries at the emulator"), Duration::from_secs(30), async || {
        let n = delivered(emu);
        if n >= expected { Ok(()) } else { Err(n) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_one_redis_make_one_gettoken() {
    let Some(redis) = TestRedis::connect().await else { return };
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let dir = yizhan_test_kit::temp_dir("shared-tokens");
    let instances = three_instances(&emu, redis.url(), redis.prefix(), dir.path()).await;
    send_round(&emu, &instances, "one", 3 * PER_INSTANCE).await;
    assert_eq!(emu.stats().gettoken_calls, 1, "the three instances share one token through Redis");
    for instance in instances {
        instance.stop().await;
    }
    assert!(!redis.keys().await.is_empty(), "the token is kept under the test's prefix");
}

/// Redis stops mid-run (a proxy in front of it is cut): the instances fall back to their own
/// tokens and conservative local quotas and keep delivering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delivery_continues_when_redis_stops() {
    let Some(redis) = TestRedis::connect().await else { return };
    let proxy = yizhan_emulator::CutProxy::start(redis.addr()).await.expect("proxy");
    let via_proxy = format!("redis://{}", proxy.addr());
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let dir = yizhan_test_kit::temp_dir("redis-cut");
    let instances = three_instances(&emu, &via_proxy, redis.prefix(), dir.path()).await;
    send_round(&emu, &instances, "before", 3 * PER_INSTANCE).await;
    assert_eq!(emu.stats().gettoken_calls, 1, "one shared token while Redis is up");

    proxy.cut().await;
    // The shared token expires while Redis is away: each instance must fetch its own.
    emu.expire_tokens();
    send_round(&emu, &instances, "during", 6 * PER_INSTANCE).await;
    let fetched = emu.stats().gettoken_calls;
    assert!((2..=4).contains(&fetched), "local fetches while Redis is down: {fetched} gettoken calls in all");
    assert_eq!(emu.stats().dropped, 0);
    for instance in instances {
        instance.stop().await;
    }
}
