//! The shared storage suite against PostgreSQL, plus what only several instances on one
//! database can show: concurrent claimers across stores, lease takeover, LISTEN/NOTIFY wake-ups,
//! concurrent migrations.
//!
//! Each test gets a fresh database (see `suite/postgres.rs`); without a reachable server the
//! tests skip, unless `CI=true`.

mod suite;

use std::collections::BTreeSet;
use std::time::Duration;

use suite::postgres::TempDatabase;
use suite::{LEASE, T0, delivered, message};
use yizhan_store::{AcceptOutcome, MessageStatus, Store};

mod shared {
    crate::storage_suite!(crate::suite::postgres::postgres);
}

#[path = "postgres/features.rs"]
mod features;
#[path = "postgres/retention.rs"]
mod retention;

/// Opens `n` stores (as `n` instances would) on one fresh database.
async fn instances(n: usize) -> Option<(TempDatabase, Vec<Store>)> {
    let db = TempDatabase::create().await?;
    let mut stores = Vec::new();
    for _ in 0..n {
        stores.push(Store::open(&db.url).await.expect("open"));
    }
    Some((db, stores))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_claimers_on_two_instances_claim_each_of_2000_dispatches_once() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(2).await else { return Ok(()) };
    let msgs: Vec<_> = (0..1000).map(|_| message("ops", 2)).collect();
    for chunk in msgs.chunks(200) {
        stores[0].accept_batch(chunk.to_vec()).await?;
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = stores[w % 2].clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut got = Vec::new();
            loop {
                let batch = store.claim_due(&worker, T0, LEASE, 16).await.expect("claim");
                if batch.is_empty() {
                    return got;
                }
                for c in batch {
                    store.complete(&c.claim, delivered(), T0 + 1).await.expect("complete under a held lease");
                    got.push(c.claim.dispatch_id);
                }
            }
        }));
    }
    let mut all = Vec::new();
    let mut per_worker = Vec::new();
    for t in tasks {
        let got = t.await?;
        per_worker.push(got.len());
        all.extend(got);
    }
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 2000, "claims per worker: {per_worker:?}");
    assert_eq!(unique.len(), 2000, "a dispatch was claimed twice");
    assert!(per_worker.iter().filter(|n| **n > 0).count() >= 2, "the work was shared: {per_worker:?}");
    assert_eq!(stores[1].counts().await?["delivered"], 1000);
    Ok(())
}

#[tokio::test]
async fn an_expired_lease_moves_to_another_instance() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(2).await else { return Ok(()) };
    let m = message("ops", 1);
    stores[0].accept(m.clone()).await?;
    let first = stores[0].claim_due("a", T0, LEASE, 10).await?.remove(0);
    assert!(stores[1].claim_due("b", T0 + LEASE - 1, LEASE, 10).await?.is_empty(), "the lease holds");
    let second = stores[1].claim_due("b", T0 + LEASE, LEASE, 10).await?.remove(0);
    assert_eq!(second.claim.dispatch_id, first.claim.dispatch_id);
    let err = stores[0].complete(&first.claim, delivered(), T0 + LEASE + 1).await.expect_err("lease lost");
    assert!(err.is_conflict(), "{err}");
    stores[1].complete(&second.claim, delivered(), T0 + LEASE + 2).await?;
    assert_eq!(stores[0].message(m.id).await?.expect("stored").status, MessageStatus::Delivered);
    Ok(())
}

#[tokio::test]
async fn an_accept_on_one_instance_wakes_the_other() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(2).await else { return Ok(()) };
    let mut signal = stores[1].due_signal().await?;
    assert!(signal.is_live());
    // Nothing pending: the signal does not fire by itself.
    assert!(tokio::time::timeout(Duration::from_millis(200), signal.next()).await.is_err());
    stores[0].accept(message("ops", 1)).await?;
    tokio::time::timeout(Duration::from_secs(5), signal.next()).await.expect("woken by the accept");
    // A replayed idempotent accept stores nothing and wakes nobody.
    let first = suite::with_key(message("ops", 1), "k", "h");
    stores[0].accept(first.clone()).await?;
    tokio::time::timeout(Duration::from_secs(5), signal.next()).await.expect("woken by the accept");
    let replay = stores[0].accept(suite::with_key(message("ops", 1), "k", "h")).await?;
    assert_eq!(replay, AcceptOutcome::Replayed(first.id));
    assert!(tokio::time::timeout(Duration::from_millis(200), signal.next()).await.is_err());
    Ok(())
}

#[tokio::test]
async fn sqlite_due_signal_never_fires() -> anyhow::Result<()> {
    let store = Store::open("sqlite::memory:").await?;
    let mut signal = store.due_signal().await?;
    assert!(!signal.is_live());
    store.accept(message("ops", 1)).await?;
    assert!(tokio::time::timeout(Duration::from_millis(50), signal.next()).await.is_err());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_once() -> anyhow::Result<()> {
    let Some(db) = TempDatabase::create().await else { return Ok(()) };
    let mut opens = Vec::new();
    for _ in 0..3 {
        let url = db.url.clone();
        opens.push(tokio::spawn(async move { Store::open(&url).await }));
    }
    let mut stores = Vec::new();
    for o in opens {
        stores.push(o.await??);
    }
    stores[2].migrate().await?;
    let m = message("ops", 1);
    stores[0].accept(m.clone()).await?;
    assert!(stores[1].message(m.id).await?.is_some());
    Ok(())
}

#[tokio::test]
async fn open_without_migrating_leaves_the_schema_to_migrate() -> anyhow::Result<()> {
    let Some(db) = TempDatabase::create().await else { return Ok(()) };
    let store = Store::open_with(&db.url, false).await?;
    assert_eq!(store.backend(), "postgres");
    assert!(store.counts().await.is_err(), "no tables before migrating");
    store.migrate().await?;
    assert_eq!(store.counts().await?["accepted"], 0);
    store.close().await;
    Ok(())
}

/// Accepts per second from 64 concurrent callers, one message each, on PostgreSQL (one
/// transaction per accept) and on a SQLite file (group commit). A measurement, not a check:
/// `cargo test --release -p yizhan-store --test postgres accept_throughput -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run by hand"]
async fn accept_throughput() -> anyhow::Result<()> {
    let Some(db) = TempDatabase::create().await else { return Ok(()) };
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", dir.path().join("outbox.db").display());
    for (name, url) in [("postgres", db.url.clone()), ("sqlite", sqlite)] {
        let store = Store::open(&url).await?;
        let total = 4000;
        let started = std::time::Instant::now();
        let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut callers = Vec::new();
        for _ in 0..64 {
            let (store, next) = (store.clone(), next.clone());
            callers.push(tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                    store.accept(message("ops", 1)).await.expect("accept");
                }
            }));
        }
        for c in callers {
            c.await?;
        }
        let secs = started.elapsed().as_secs_f64();
        eprintln!("{name}: {total} accepts from 64 callers in {secs:.2} s = {:.0}/s", total as f64 / secs);
        store.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn upgrading_gives_old_dispatches_the_resend_safety_of_the_earlier_rule() -> anyhow::Result<()> {
    use sqlx::Connection as _;
    use suite::upgrade::{DISPATCH_SQL, MESSAGE_SQL, OLD_ROWS, before_resend_safe};
    let Some(db) = TempDatabase::create().await else { return Ok(()) };
    let mut conn = sqlx::PgConnection::connect(&db.url).await?;
    before_resend_safe("migrations/postgres").await.run(&mut conn).await?;
    let dollars = |sql: &str| (1..=5).rev().fold(sql.to_owned(), |s, n| s.replace(&format!("?{n}"), &format!("${n}")));
    let id = yizhan_core::MessageId::new().to_string();
    sqlx::query(sqlx::AssertSqlSafe(dollars(MESSAGE_SQL))).bind(&id).execute(&mut conn).await?;
    for (seq, r) in (0_i64..).zip(OLD_ROWS) {
        sqlx::query(sqlx::AssertSqlSafe(dollars(DISPATCH_SQL)))
            .bind(&id)
            .bind(seq)
            .bind(r.endpoint)
            .bind(r.body.as_bytes())
            .bind(r.merged.map(str::as_bytes))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    suite::upgrade::check(&Store::open(&db.url).await?).await;
    Ok(())
}
