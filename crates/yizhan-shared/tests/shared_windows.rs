//! The shared window stores against the in-process model: the same sequence of reserves gives
//! the same grants (Redis and PostgreSQL vs `SlidingWindows`); concurrent reserves on one key
//! never exceed the limit in total; the Redis fallback divides limits and recovers.

mod support;

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use yizhan_core::window::{Grant, SlidingWindows, Window};
use yizhan_shared::{FallbackWindows, PgWindows, RedisWindows, SharedWindows};

/// A reserve call: time step and the keys (indices into [`NAMES`]) of the batch.
type Step = (i64, Vec<usize>);
const NAMES: [&str; 3] = ["alice", "bob", "robot-key-secret"];

fn scenario() -> impl Strategy<Value = (Vec<Window>, Vec<Step>)> {
    let window = (1i64..20_000, 0u32..6).prop_map(|(len_ms, limit)| Window { len_ms, limit });
    let windows = proptest::collection::vec(window, 0..3);
    let step = (0i64..4_000, proptest::collection::vec(0usize..NAMES.len(), 1..5));
    (windows, proptest::collection::vec(step, 1..40))
}

fn keys(indices: &[usize], case: &str) -> Vec<String> {
    indices.iter().map(|&i| format!("{case}:{}", NAMES[i])).collect()
}

/// Runs `cases` random scenarios through `reserve` and the model, comparing every answer.
fn equivalent_to_model<F, Fut>(cases: u32, runtime: &tokio::runtime::Runtime, reserve: F)
where
    F: Fn(Vec<String>, Vec<Window>, i64) -> Fut,
    Fut: std::future::Future<Output = Vec<Grant>>,
{
    let mut runner = TestRunner::new(Config { cases, ..Config::default() });
    runner
        .run(&scenario(), |(windows, steps)| {
            let case = uuid::Uuid::new_v4().simple().to_string();
            let mut model = SlidingWindows::default();
            let mut now = 1_700_000_000_000i64;
            for (dt, indices) in steps {
                now += dt;
                let keys = keys(&indices, &case);
                let expected = model.reserve(&keys, &windows, now);
                let got = runtime.block_on(reserve(keys, windows.clone(), now));
                if got != expected {
                    return Err(TestCaseError::fail(format!("at {now}: store {got:?}, model {expected:?}")));
                }
            }
            Ok(())
        })
        .expect("the store answers like SlidingWindows");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

#[test]
fn redis_windows_answer_like_the_model() {
    let rt = runtime();
    let Some((redis, connection)) = rt.block_on(support::redis()) else { return };
    let prefix = redis.prefix().to_owned();
    let store = RedisWindows::new(connection.clone(), prefix.clone());
    equivalent_to_model(200, &rt, |keys, windows, now| {
        let store = store.clone();
        async move { store.reserve(&keys, &windows, now).await.expect("redis reserve") }
    });
}

#[test]
fn postgres_windows_answer_like_the_model() {
    let rt = runtime();
    let Some(db) = rt.block_on(support::TestDb::create()) else { return };
    let store = PgWindows::new(db.pool.clone());
    equivalent_to_model(48, &rt, |keys, windows, now| {
        let store = store.clone();
        async move { store.reserve(&keys, &windows, now).await.expect("postgres reserve") }
    });
    rt.block_on(db.drop_db());
}

const TASKS: usize = 8;
const ATTEMPTS: usize = 15;
const LIMIT: u32 = 25;

/// `TASKS` tasks (each its own store handle, like separate instances) reserve the same key
/// `ATTEMPTS` times within one minute: exactly `LIMIT` are granted in total.
async fn concurrent_total(stores: Vec<SharedWindows>) -> usize {
    let key = format!("{}:alice", uuid::Uuid::new_v4().simple());
    let mut tasks = Vec::new();
    for (t, store) in stores.into_iter().enumerate() {
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut granted = 0;
            for n in 0..ATTEMPTS {
                let now = 1_700_000_000_000 + (n * TASKS + t) as i64;
                let grants = store
                    .reserve(std::slice::from_ref(&key), &[Window::per_minute(LIMIT)], now)
                    .await
                    .expect("reserve");
                granted += grants.iter().filter(|g| g.is_granted()).count();
            }
            granted
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("task");
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_concurrent_reserves_never_exceed_the_limit() {
    let Some((redis, _)) = support::redis().await else { return };
    let prefix = redis.prefix().to_owned();
    let mut stores = Vec::new();
    for _ in 0..TASKS {
        let own = yizhan_shared::redis_connection(redis.url()).expect("connection");
        stores.push(SharedWindows::Redis(RedisWindows::new(own, prefix.clone())));
    }
    assert_eq!(concurrent_total(stores).await, LIMIT as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_reserves_never_exceed_the_limit() {
    let Some(db) = support::TestDb::create().await else { return };
    let stores = (0..TASKS).map(|_| SharedWindows::Postgres(PgWindows::new(db.pool.clone()))).collect();
    assert_eq!(concurrent_total(stores).await, LIMIT as usize);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn usage_counts_the_window() {
    let Some((redis, connection)) = support::redis().await else { return };
    let prefix = redis.prefix().to_owned();
    let store = SharedWindows::Redis(RedisWindows::new(connection.clone(), prefix.clone()));
    let key = vec!["alice".to_owned(); 3];
    store.reserve(&key, &[Window::per_minute(10)], 1_000).await.expect("reserve");
    store.reserve(&key[..1], &[Window::per_minute(10)], 30_000).await.expect("reserve");
    assert_eq!(store.usage("alice", Window::per_minute(10), 30_000).await.expect("usage"), 4);
    assert_eq!(store.usage("alice", Window::per_minute(10), 61_000).await.expect("usage"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_cut_falls_back_to_divided_local_limits_and_recovers() {
    let Some((redis, _)) = support::redis().await else { return };
    let proxy = support::redis_proxy(&redis).await;
    let prefix = redis.prefix().to_owned();
    let via_proxy = yizhan_shared::redis_connection(&support::proxy_url(&proxy)).expect("client");
    let shared = RedisWindows::new(via_proxy, prefix.clone());
    let windows = Arc::new(
        FallbackWindows::new(SharedWindows::Redis(shared.clone())).expected_instances(3).retry_after_ms(5_000),
    );
    let minute = [Window::per_minute(30)];
    let one = |name: &str| vec![name.to_owned()];

    let grants = windows.reserve(&vec!["alice".to_owned(); 5], &minute, 0).await;
    assert!(grants.iter().all(|g| g.is_granted()) && !windows.is_degraded());

    proxy.cut().await;
    let during = windows.reserve(&vec!["bob".to_owned(); 40], &minute, 1_000).await;
    assert!(windows.is_degraded(), "the cut was noticed");
    assert_eq!(during.iter().filter(|g| g.is_granted()).count(), 10, "30/min divided by 3 instances");
    assert_eq!(during[10], Grant::DeferUntil(61_000));

    proxy.restore().await.expect("restore the proxy");
    // Before retry_after has passed on the caller's clock the instance stays local.
    assert!(!windows.reserve(&one("bob"), &minute, 2_000).await[0].is_granted());
    assert!(windows.is_degraded());
    // Afterwards it probes Redis again (retrying while the connection comes back).
    let mut now = 6_000;
    let mut back = false;
    for _ in 0..100 {
        back = windows.reserve(&one("carol"), &minute, now).await[0].is_granted() && !windows.is_degraded();
        if back {
            break;
        }
        now += 5_000;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(back, "recovered to Redis");
    assert_eq!(shared.usage("carol", Window::per_minute(30), now).await.expect("usage"), 1, "granted in Redis");
    assert_eq!(shared.usage("alice", Window::per_minute(30), now).await.expect("usage"), 5);
}
