//! Three "instances" (separate clients, separate TokenCaches) sharing one token store against
//! the emulator: exactly one gettoken / `/auth` for the cluster, and exactly one more after the
//! emulator expires every token. Redis and PostgreSQL; plus Redis cut mid-run.

mod support;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use yizhan_core::RetryPolicy;
use yizhan_core::shared_token::SharedTokens;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_getui::GetuiClient;
use yizhan_getui::api::push_single_cid;
use yizhan_getui::push::{ClickType, Notification, PushMessage};
use yizhan_shared::{PgTokens, RedisTokens};
use yizhan_test_kit::wait;
use yizhan_wecom::{Message, Recipients, WecomClient};

const INSTANCES: usize = 3;
const SENDS_PER_INSTANCE: usize = 8;

fn fast_retries() -> RetryPolicy {
    RetryPolicy { initial: Duration::from_millis(5), max: Duration::from_millis(20), ..RetryPolicy::default() }
}

async fn emulator() -> EmulatorHandle {
    Emulator::spawn(EmulatorConfig::default()).await.expect("emulator starts")
}

fn wecom_instances(emu: &EmulatorHandle, store: &Arc<dyn SharedTokens>) -> Vec<WecomClient> {
    (0..INSTANCES)
        .map(|_| {
            WecomClient::builder("wwyizhandemo", 1000002, SecretString::from("yizhan-demo-secret".to_owned()))
                .base_url(emu.base_url())
                .retry_policy(fast_retries())
                .shared_tokens(store.clone())
                .build()
                .expect("client builds")
        })
        .collect()
}

fn getui_instances(emu: &EmulatorHandle, store: &Arc<dyn SharedTokens>) -> Vec<GetuiClient> {
    (0..INSTANCES)
        .map(|_| {
            GetuiClient::builder(
                "yizhandemo",
                "yizhan-demo-appkey",
                SecretString::from("yizhan-demo-master".to_owned()),
            )
            .base_url(emu.base_url())
            .retry_policy(fast_retries())
            .shared_tokens(store.clone())
            .build()
            .expect("client builds")
        })
        .collect()
}

/// Every instance sends concurrently; every send must succeed.
async fn wecom_burst(clients: &[WecomClient], round: &str) {
    let mut tasks = Vec::new();
    for (i, client) in clients.iter().enumerate() {
        for n in 0..SENDS_PER_INSTANCE {
            let client = client.clone();
            let text = format!("{round} instance {i} message {n}");
            tasks.push(tokio::spawn(async move {
                client.send_message(&Recipients::users(["alice", "bob"]), Message::text(text)).await
            }));
        }
    }
    for task in tasks {
        task.await.expect("task").expect("send succeeds");
    }
}

async fn getui_burst(clients: &[GetuiClient], round: &str) {
    let mut tasks = Vec::new();
    for (i, client) in clients.iter().enumerate() {
        for n in 0..SENDS_PER_INSTANCE {
            let client = client.clone();
            let title = format!("{round} {i} {n}");
            tasks.push(tokio::spawn(async move {
                let message = PushMessage::notification(Notification::new(title, "body", ClickType::Startapp));
                client.push_single_cid(&push_single_cid::Request::new("cid-alice", message)).await
            }));
        }
    }
    for task in tasks {
        task.await.expect("task").expect("push succeeds");
    }
}

async fn wecom_cluster_fetches_once(store: Arc<dyn SharedTokens>) {
    let emu = emulator().await;
    let clients = wecom_instances(&emu, &store);
    wecom_burst(&clients, "cold").await;
    assert_eq!(emu.stats().gettoken_calls, 1, "three cold instances share one gettoken");
    wecom_burst(&clients, "warm").await;
    assert_eq!(emu.stats().gettoken_calls, 1);
    emu.expire_tokens();
    wecom_burst(&clients, "expired").await;
    assert_eq!(emu.stats().gettoken_calls, 2, "one forced refresh for the whole cluster");
    let sends = INSTANCES * SENDS_PER_INSTANCE;
    let calls = emu.stats().send_calls as usize;
    assert!((3 * sends + 1..=4 * sends).contains(&calls), "each send retried at most once after 42001: {calls}");
}

async fn getui_cluster_authenticates_once(store: Arc<dyn SharedTokens>) {
    let emu = emulator().await;
    let clients = getui_instances(&emu, &store);
    getui_burst(&clients, "cold").await;
    assert_eq!(emu.stats().auth_calls, 1, "three cold instances share one /auth");
    emu.expire_tokens();
    getui_burst(&clients, "expired").await;
    assert_eq!(emu.stats().auth_calls, 2, "one re-authentication for the whole cluster");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_wecom_cluster_makes_one_gettoken_per_lifetime_and_refresh() {
    let Some((redis, connection)) = support::redis().await else { return };
    let prefix = redis.prefix().to_owned();
    let store = RedisTokens::new(connection.clone(), prefix.clone());
    assert!(!format!("{store:?}").contains("secret"));
    wecom_cluster_fetches_once(Arc::new(store)).await;
    // Key names carry only a hash of the application scope; the lease is gone after the put.
    let mut con = connection.clone();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut con).await.expect("keys");
    assert_eq!(keys.len(), 1, "{keys:?}");
    let hash = keys[0].strip_prefix(&format!("{prefix}tok:")).expect("token key");
    assert!(hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_getui_cluster_authenticates_once_per_lifetime_and_refresh() {
    let Some((redis, connection)) = support::redis().await else { return };
    let prefix = redis.prefix().to_owned();
    getui_cluster_authenticates_once(Arc::new(RedisTokens::new(connection.clone(), prefix.clone()))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_wecom_cluster_makes_one_gettoken_per_lifetime_and_refresh() {
    let Some(db) = support::TestDb::create().await else { return };
    wecom_cluster_fetches_once(Arc::new(PgTokens::new(db.pool.clone()))).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_getui_cluster_authenticates_once_per_lifetime_and_refresh() {
    let Some(db) = support::TestDb::create().await else { return };
    getui_cluster_authenticates_once(Arc::new(PgTokens::new(db.pool.clone()))).await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_cut_mid_run_falls_back_to_local_tokens_and_recovers() {
    let Some((redis, _)) = support::redis().await else { return };
    let proxy = support::redis_proxy(&redis).await;
    let prefix = redis.prefix().to_owned();
    let via_proxy = yizhan_shared::redis_connection(&support::proxy_url(&proxy)).expect("client");
    let store: Arc<dyn SharedTokens> = Arc::new(RedisTokens::new(via_proxy.clone(), prefix.clone()));
    let emu = emulator().await;
    let clients = wecom_instances(&emu, &store);
    wecom_burst(&clients, "before").await;
    assert_eq!(emu.stats().gettoken_calls, 1);

    proxy.cut().await;
    emu.expire_tokens();
    wecom_burst(&clients, "during").await;
    let during = emu.stats().gettoken_calls;
    assert!((2..=1 + INSTANCES as u64).contains(&during), "each instance refreshed locally at most once: {during}");

    proxy.restore().await.expect("restore the proxy");
    wait_reachable(&via_proxy).await;
    emu.expire_tokens();
    wecom_burst(&clients, "after").await;
    assert_eq!(
        emu.stats().gettoken_calls,
        during + 1,
        "back on Redis: the stale shared token is replaced by one fetch for the cluster"
    );
}

async fn wait_reachable(connection: &redis::aio::ConnectionManager) {
    wait::for_state("redis back through the proxy", Duration::from_secs(5), async || {
        let mut con = connection.clone();
        redis::cmd("PING").query_async::<String>(&mut con).await.map(drop)
    })
    .await;
}
