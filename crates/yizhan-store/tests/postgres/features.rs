//! The newer outbox features with several instances on one database: coalescing, ordered
//! dispatches, splits and callback forwards, where locks and `NOTIFY` matter.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use yizhan_core::MessageId;
use yizhan_store::{
    DispatchPart, DispatchResult, Handles, MergedCall, MessageStatus, NewDispatch, NewForward, NewMessage,
};

use super::instances;
use crate::suite::{LEASE, T0, delivered, message};

/// A one-dispatch message to `user` with coalesce key `k`.
fn keyed(user: usize) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        channel: "ops".to_owned(),
        api_key: None,
        request: serde_json::json!({}),
        idempotency: None,
        send_at_ms: T0,
        expires_at_ms: None,
        created_at_ms: T0,
        dispatches: vec![NewDispatch {
            body: format!("{{\"touser\":\"u{user}\"}}").into_bytes(),
            endpoint: "wecom.message_send".to_owned(),
            dedupe_id: None,
            recipients: vec![format!("u{user}")],
            after_seq: None,
            coalesce_key: Some("k".to_owned()),
            duplicate: None,
            resend_safe: false,
        }],
    }
}

fn join(recipients: &[String]) -> Option<MergedCall> {
    Some(MergedCall { body: recipients.join("|").into_bytes(), resend_safe: false })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_merging_one_key_take_each_dispatch_once() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(2).await else { return Ok(()) };
    let msgs: Vec<NewMessage> = (0..60).map(keyed).collect();
    stores[0].accept_batch(msgs.clone()).await?;
    let a = stores[0].claim_due("a", T0, LEASE, 1).await?.remove(0);
    let b = stores[1].claim_due("b", T0, LEASE, 1).await?.remove(0);
    assert_ne!(a.claim.dispatch_id, b.claim.dispatch_id);
    // At most 20 recipients per call: each leader merges 19 others, concurrently.
    let (s0, s1) = (stores[0].clone(), stores[1].clone());
    let (ca, cb) = (a.claim.clone(), b.claim.clone());
    let ta = tokio::spawn(async move { s0.coalesce(&ca, &[], "k", 20, T0, join).await });
    let tb = tokio::spawn(async move { s1.coalesce(&cb, &[], "k", 20, T0, join).await });
    let (ma, mb) = (ta.await??.expect("a merged"), tb.await??.expect("b merged"));
    assert_eq!((ma.recipients.len(), mb.recipients.len()), (20, 20), "the other's rows did not lock either out");
    let (sa, sb): (HashSet<i64>, HashSet<i64>) =
        (ma.members.iter().copied().collect(), mb.members.iter().copied().collect());
    assert!(sa.is_disjoint(&sb), "a dispatch merged into two calls");
    assert!(!sa.contains(&b.claim.dispatch_id) && !sb.contains(&a.claim.dispatch_id), "a leader became a member");
    let ra: HashSet<&String> = ma.recipients.iter().collect();
    assert!(mb.recipients.iter().all(|r| !ra.contains(r)), "a recipient is in both calls");

    // The 20 left are claimable alone; the members are not.
    let rest = stores[1].claim_due("c", T0, LEASE, 100).await?;
    assert_eq!(rest.len(), 20);
    assert!(rest.iter().all(|c| !sa.contains(&c.claim.dispatch_id) && !sb.contains(&c.claim.dispatch_id)));
    stores[1].complete(&a.claim, delivered(), T0 + 1).await?;
    stores[0].complete(&b.claim, delivered(), T0 + 1).await?;
    for c in &rest {
        stores[0].complete(&c.claim, delivered(), T0 + 2).await?;
    }
    assert_eq!(stores[1].counts().await?["delivered"], 60);
    Ok(())
}

#[tokio::test]
async fn a_delivered_predecessor_and_a_split_wake_the_other_instance() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(2).await else { return Ok(()) };
    let mut m = message("push", 2);
    m.dispatches[1].after_seq = Some(0);
    m.dispatches[1].body = b"{\"taskid\":\"\"}".to_vec();
    m.dispatches[1].recipients = vec!["c1".to_owned(), "c2".to_owned()];
    stores[0].accept(m.clone()).await?;
    let mut signal = stores[1].due_signal().await?;
    let head = stores[0].claim_due("a", T0, LEASE, 10).await?;
    assert_eq!(head.len(), 1, "the chunk waits for the create call");
    assert!(tokio::time::timeout(Duration::from_millis(200), signal.next()).await.is_err(), "nothing due yet");
    let handles = Handles { taskid: Some("T1".to_owned()), ..Handles::default() };
    stores[0].complete(&head[0].claim, DispatchResult::Delivered { handles, outcomes: vec![] }, T0 + 1).await?;
    tokio::time::timeout(Duration::from_secs(5), signal.next()).await.expect("woken: the chunk is due");
    let chunk = stores[1].claim_due("b", T0 + 1, LEASE, 10).await?.remove(0);
    assert_eq!(chunk.upstream.and_then(|h| h.taskid).as_deref(), Some("T1"), "handed on with the claim");

    let keep = DispatchPart { body: b"c1".to_vec(), recipients: vec!["c1".to_owned()] };
    let defer = DispatchPart { body: b"c2".to_vec(), recipients: vec!["c2".to_owned()] };
    let mut signal0 = stores[0].due_signal().await?;
    stores[1].split_dispatch(&chunk.claim, keep, defer, T0 + 2, "quota", T0 + 1).await?;
    tokio::time::timeout(Duration::from_secs(5), signal0.next()).await.expect("woken by the split");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_splits_of_one_message_on_two_instances_take_distinct_seqs() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(2).await else { return Ok(()) };
    let m = message("ops", 2);
    stores[0].accept(m.clone()).await?;
    let claimed = stores[0].claim_due("a", T0, LEASE, 10).await?;
    assert_eq!(claimed.len(), 2);
    let mut tasks = Vec::new();
    for (i, c) in claimed.into_iter().enumerate() {
        let store = stores[i].clone();
        tasks.push(tokio::spawn(async move {
            let part = |r: &str| DispatchPart { body: r.as_bytes().to_vec(), recipients: vec![r.to_owned()] };
            store.split_dispatch(&c.claim, part("x"), part(&format!("later{i}")), T0 + 60_000, "quota", T0 + 1).await
        }));
    }
    for t in tasks {
        t.await??;
    }
    let rec = stores[1].message(m.id).await?.expect("stored");
    let seqs: BTreeSet<i64> = rec.dispatches.iter().map(|d| d.seq).collect();
    assert_eq!(seqs, BTreeSet::from([0, 1, 2, 3]));
    assert_eq!(rec.status, MessageStatus::Dispatching);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_claim_each_forward_once() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(2).await else { return Ok(()) };
    for n in 0..200u8 {
        let body = vec![n];
        stores[usize::from(n % 2)]
            .enqueue_forward(NewForward {
                channel: "ops".to_owned(),
                url: "http://127.0.0.1:9/".to_owned(),
                body,
                created_at_ms: T0,
            })
            .await?;
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = stores[w % 2].clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = store.claim_forwards(T0, LEASE, 7).await.expect("claim");
                if batch.is_empty() {
                    return got;
                }
                for f in batch {
                    store
                        .complete_forward(f.id, &f.token, yizhan_store::ForwardResult::Delivered, T0 + 1)
                        .await
                        .expect("held");
                    got.push(f.id);
                }
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!((all.len(), unique.len()), (200, 200), "a forward was claimed twice or lost");
    Ok(())
}
