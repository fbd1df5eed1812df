//! Event retention on the manual clock, on SQLite and PostgreSQL: an old event stays while a
//! webhook subscription has not passed it or a delivery of it still waits, and goes once all
//! have it; finished deliveries go by the same age; `[store] event_retention` parses.

use std::sync::Arc;
use std::time::Duration;

use yizhan::retention::{Retention, RetentionCounter, Sweeper};
use yizhan_core::Clock;
use yizhan_store::{
    CompletedDelivery, DeliveryNext, EventFilter, NewEvent, QueuedEvent, Store, WebhookAttempt, WebhookRecord,
    WebhookSource, kind,
};

const T0: i64 = 1_795_395_600_000;
const DAY: Duration = Duration::from_secs(86_400);

fn subscription(id: &str) -> WebhookRecord {
    WebhookRecord {
        id: id.to_owned(),
        name: id.to_owned(),
        url: "http://127.0.0.1:9/hook".to_owned(),
        event_types: vec!["*".to_owned()],
        channels: Vec::new(),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        allow_private_urls: true,
        source: WebhookSource::Api,
        api_key: None,
        after_pos: 0,
        created_at_ms: T0,
    }
}

async fn events(store: &Store) -> usize {
    store.events_after(0, 1000, &EventFilter::default()).await.expect("read").len()
}

async fn old_events_wait_for_every_subscription(store: Store) {
    let (clock, control) = Clock::manual(T0);
    let a = store.create_webhook(&subscription("a")).await.expect("a");
    let b = store.create_webhook(&subscription("b")).await.expect("b");
    for n in 0..3 {
        let event = NewEvent {
            kind: kind::WECOM_CALLBACK,
            message_id: None,
            channel: "ops".to_owned(),
            at_ms: T0,
            data: serde_json::json!({"n": n}),
        };
        store.record_event(event).await.expect("event");
    }
    store.publish_events(100).await.expect("publish");
    let log = store.events_after(0, 100, &EventFilter::default()).await.expect("log");
    let last = log.last().expect("events").id;
    let queued: Vec<QueuedEvent> = log.iter().map(|e| QueuedEvent { pos: e.id, message_id: None }).collect();
    assert!(store.queue_webhook_events(&a.id, a.after_pos, last, &queued, T0).await.expect("queue a"));
    assert!(!store.queue_webhook_events(&a.id, a.after_pos, last, &queued, T0).await.expect("again"), "moved once");

    let sweeper = Sweeper::with_events(
        store.clone(),
        clock,
        Retention::OFF,
        Retention::parse("30d").expect("period"),
        Arc::new(RetentionCounter::default()),
    )
    .expect("events are swept");
    control.advance(DAY * 31);
    sweeper.sweep().await.expect("sweep");
    assert_eq!(events(&store).await, 3, "a's deliveries wait and b has not passed them");

    let now = T0 + 31 * 86_400_000;
    let claimed = store.claim_webhook_deliveries(now, 60_000, 10).await.expect("claim");
    assert_eq!(claimed.len(), 3);
    let done: Vec<CompletedDelivery> = claimed
        .into_iter()
        .map(|c| CompletedDelivery {
            id: c.id,
            token: c.token,
            attempt: WebhookAttempt { at_ms: now, status_code: Some(200), error: None, duration_ms: 3 },
            next: DeliveryNext::Delivered,
        })
        .collect();
    assert_eq!(store.complete_webhook_deliveries(&done, now).await.expect("done"), 0);
    assert_eq!(store.complete_webhook_deliveries(&done, now).await.expect("again"), 3, "a lost lease is skipped");
    sweeper.sweep().await.expect("sweep");
    assert_eq!(events(&store).await, 3, "b has not passed them");

    assert!(store.queue_webhook_events(&b.id, b.after_pos, last, &[], now).await.expect("queue b"));
    sweeper.sweep().await.expect("sweep");
    assert_eq!(events(&store).await, 0, "every subscription has them");
    assert_eq!(store.webhook_deliveries("a", None, 10).await.expect("list").len(), 3, "recent deliveries stay");

    control.advance(DAY * 31);
    sweeper.sweep().await.expect("sweep");
    assert!(store.webhook_deliveries("a", None, 10).await.expect("list").is_empty(), "old finished deliveries go");
}

#[tokio::test]
async fn old_events_wait_for_every_subscription_on_sqlite() {
    old_events_wait_for_every_subscription(Store::open("sqlite::memory:").await.expect("store")).await;
}

#[tokio::test]
async fn old_events_wait_for_every_subscription_on_postgres() {
    let Some(db) = yizhan_test_kit::postgres::TempDatabase::create().await else { return };
    old_events_wait_for_every_subscription(Store::open(&db.url).await.expect("store")).await;
}

#[test]
fn event_retention_is_a_period() {
    let parse = |text: &str| yizhan::config::Config::parse(text, "t.toml", &Default::default());
    let config = parse("[store]\nretention = \"60d\"\nevent_retention = \"7d\"\n").expect("config");
    assert_eq!(config.store.event_retention, Some(Retention::parse("7d").expect("period")));
    assert!(parse("[store]\nevent_retention = \"7\"\n").is_err());
}
