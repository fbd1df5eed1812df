//! The event log: every state change leaves one event, written with the change, published in
//! commit order and read back by position.

use yizhan_core::MessageId;
use yizhan_store::{
    AttemptError, ClaimToken, DispatchResult, EventFilter, EventRecord, Handles, NewEvent, RecipientOutcome, Store,
    kind,
};

use super::{Backend, LEASE, T0, accept_and_claim, delivered, message, transient};

/// Publishes everything and reads every event after `after` matching `filter`.
async fn read(store: &Store, after: i64, filter: &EventFilter) -> Vec<EventRecord> {
    while store.publish_events(1000).await.expect("publish") > 0 {}
    store.events_after(after, 10_000, filter).await.expect("read events")
}

/// The types of the events about `id`, in order.
async fn kinds_of(store: &Store, id: MessageId) -> Vec<String> {
    let filter = EventFilter { message_id: Some(id), ..EventFilter::default() };
    read(store, 0, &filter).await.into_iter().map(|e| e.kind).collect()
}

fn outcome(recipient: &str, outcome: &str) -> RecipientOutcome {
    RecipientOutcome { recipient: recipient.to_owned(), outcome: outcome.to_owned(), detail: None }
}

fn permanent() -> AttemptError {
    AttemptError {
        kind: "permanent".to_owned(),
        code: Some(40003),
        message: "invalid user".to_owned(),
        ambiguous: false,
    }
}

pub async fn a_message_life_is_told_in_order(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    let retry = DispatchResult::Retry { at_ms: T0 + 10, counts_attempt: true, error: transient() };
    b.store.complete(&c.claim, retry, T0 + 1).await?;
    let c = b.store.claim_due("w", T0 + 10, LEASE, 10).await?.remove(0);
    let result = DispatchResult::Delivered {
        handles: Handles::default(),
        outcomes: vec![outcome("u0", "delivered"), outcome("bob", "invalid")],
    };
    b.store.complete(&c.claim, result, T0 + 11).await?;
    b.store.mark_recalled(m.id, T0 + 12).await?;
    let events = read(&b.store, 0, &EventFilter { message_id: Some(m.id), ..EventFilter::default() }).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            kind::ACCEPTED,
            kind::RETRYING,
            kind::RECIPIENT_OUTCOME,
            kind::RECIPIENT_OUTCOME,
            kind::PARTIALLY_DELIVERED,
            kind::RECALLED
        ]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id), "positions increase: {events:?}");
    assert!(events.iter().all(|e| e.channel == "ops" && e.message_id == Some(m.id)));
    assert_eq!(events[0].at_ms, T0);
    assert_eq!(events[0].data["status"], "accepted");
    assert_eq!(events[1].at_ms, T0 + 1);
    let mut verdicts: Vec<(String, String)> = events[2..4]
        .iter()
        .map(|e| {
            (e.data["recipient"].as_str().unwrap_or("").to_owned(), e.data["outcome"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    verdicts.sort();
    assert_eq!(verdicts, [("bob".to_owned(), "invalid".to_owned()), ("u0".to_owned(), "delivered".to_owned())]);
    assert_eq!(events[4].data["status"], "partially_delivered");
    assert_eq!(events[4].data["previous"], "dispatching");
    assert_eq!(events[5].at_ms, T0 + 12);
    Ok(())
}

pub async fn cancel_death_replay_and_expiry_are_events(b: Backend) -> anyhow::Result<()> {
    let cancelled = message("ops", 1);
    b.store.accept(cancelled.clone()).await?;
    b.store.cancel(cancelled.id, T0).await?;
    assert_eq!(kinds_of(&b.store, cancelled.id).await, [kind::ACCEPTED, kind::CANCELLED]);

    let dead = message("ops", 1);
    let c = accept_and_claim(&b.store, dead.clone()).await.remove(0);
    b.store.complete(&c.claim, DispatchResult::Dead { error: permanent(), outcomes: vec![] }, T0 + 1).await?;
    assert!(b.store.retry(dead.id, T0 + 2).await?);
    assert_eq!(kinds_of(&b.store, dead.id).await, [kind::ACCEPTED, kind::DEAD, kind::RETRYING]);
    let replay = read(&b.store, 0, &EventFilter { message_id: Some(dead.id), ..EventFilter::default() }).await;
    assert_eq!(replay[2].data["replayed"], true);

    let mut expiring = message("app", 1);
    expiring.expires_at_ms = Some(T0 + 100);
    b.store.accept(expiring.clone()).await?;
    let claimed = b.store.claim_due("w", T0 + 100, LEASE, 10).await?;
    assert!(claimed.iter().all(|c| c.message_id != expiring.id), "an expired message is not claimed");
    assert_eq!(kinds_of(&b.store, expiring.id).await, [kind::ACCEPTED, kind::EXPIRED]);
    Ok(())
}

pub async fn a_change_that_did_not_commit_leaves_no_event(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    // A completion with a lost lease is refused: no outcome, no status event.
    let stale = ClaimToken { token: "not-the-token".to_owned(), ..c.claim.clone() };
    let refused = DispatchResult::Delivered { handles: Handles::default(), outcomes: vec![outcome("u0", "delivered")] };
    assert!(b.store.complete(&stale, refused, T0 + 1).await.is_err());
    // A second accept of the same id fails as a whole.
    assert!(b.store.accept(m.clone()).await.is_err());
    assert_eq!(kinds_of(&b.store, m.id).await, [kind::ACCEPTED]);
    b.store.complete(&c.claim, delivered(), T0 + 2).await?;
    assert_eq!(kinds_of(&b.store, m.id).await, [kind::ACCEPTED, kind::DELIVERED]);
    Ok(())
}

pub async fn readers_resume_by_position_without_gaps(b: Backend) -> anyhow::Result<()> {
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = b.store.clone();
        let m = message(if i % 2 == 0 { "ops" } else { "app" }, 1);
        tasks.push(tokio::spawn(async move { store.accept(m).await.map(|_| ()) }));
    }
    // Publish while accepts commit, in small steps, and read in pages resuming from the last
    // position seen, as a stream does.
    let mut seen: Vec<EventRecord> = Vec::new();
    let all = EventFilter::default();
    loop {
        let done = tasks.iter().all(|t| t.is_finished());
        b.store.publish_events(7).await?;
        let after = seen.last().map_or(0, |e| e.id);
        let page = b.store.events_after(after, 13, &all).await?;
        if page.is_empty() && done && b.store.publish_events(1).await? == 0 {
            break;
        }
        seen.extend(page);
    }
    for t in tasks {
        t.await??;
    }
    assert_eq!(seen.len(), 200);
    let positions: Vec<i64> = seen.iter().map(|e| e.id).collect();
    assert_eq!(positions, (1..=200).collect::<Vec<i64>>(), "positions are 1..=200 with no gap");
    assert_eq!(b.store.last_event_pos().await?, 200);
    let ops = EventFilter { channels: Some(vec!["ops".to_owned()]), ..EventFilter::default() };
    let only_ops = b.store.events_after(0, 1000, &ops).await?;
    assert_eq!(only_ops.len(), 100);
    assert!(only_ops.iter().all(|e| ops.matches(e)));
    assert!(b.store.events_after(150, 1000, &all).await?.iter().all(|e| e.id > 150));
    Ok(())
}

pub async fn callbacks_are_events_of_their_own(b: Backend) -> anyhow::Result<()> {
    let m = message("app", 1);
    b.store.accept(m.clone()).await?;
    let receipt = NewEvent {
        kind: kind::GETUI_RECEIPT,
        message_id: Some(m.id),
        channel: "app".to_owned(),
        at_ms: T0 + 5,
        data: serde_json::json!({"cid": "cid-alice", "action_id": "10000"}),
    };
    b.store.record_event(receipt).await?;
    let click = NewEvent {
        kind: kind::CARD_CLICKED,
        message_id: None,
        channel: "ops".to_owned(),
        at_ms: T0 + 6,
        data: serde_json::json!({"EventKey": "ack"}),
    };
    b.store.record_event(click).await?;
    let kinds = EventFilter {
        kinds: Some(vec![kind::GETUI_RECEIPT.to_owned(), kind::CARD_CLICKED.to_owned()]),
        ..EventFilter::default()
    };
    let events = read(&b.store, 0, &kinds).await;
    assert_eq!(events.len(), 2);
    assert_eq!((events[0].message_id, events[0].data["cid"].as_str()), (Some(m.id), Some("cid-alice")));
    assert_eq!((events[1].message_id, events[1].channel.as_str()), (None, "ops"));
    Ok(())
}
