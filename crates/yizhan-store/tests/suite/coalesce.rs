//! Coalescing: merged calls persisted before sending, members never claimed alone, completion
//! propagated with each member's own outcomes, cancel and replay around merged calls.

use yizhan_core::MessageId;
use yizhan_store::{
    AttemptError, CancelOutcome, DispatchResult, DispatchStatus, Handles, MergedCall, MessageStatus, NewDispatch,
    NewMessage, RecipientOutcome,
};

use super::{Backend, LEASE, T0, transient};

/// A one-dispatch message to `users` with coalesce key `key`.
fn keyed(key: &str, users: &[&str]) -> NewMessage {
    let recipients: Vec<String> = users.iter().map(|u| format!("user:{u}")).collect();
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
            body: format!("{{\"touser\":\"{}\"}}", users.join("|")).into_bytes(),
            endpoint: "wecom.message_send".to_owned(),
            dedupe_id: None,
            recipients,
            after_seq: None,
            coalesce_key: Some(key.to_owned()),
            duplicate: None,
            resend_safe: false,
        }],
    }
}

/// The merged call the tests build: the recipients joined, safe to resend (unlike the members).
fn join(recipients: &[String]) -> Option<MergedCall> {
    Some(MergedCall { body: format!("merged:{}", recipients.join("|")).into_bytes(), resend_safe: true })
}

fn outcome(recipient: &str, outcome: &str) -> RecipientOutcome {
    RecipientOutcome { recipient: recipient.to_owned(), outcome: outcome.to_owned(), detail: None }
}

pub async fn merged_calls_complete_every_member_with_its_own_outcomes(b: Backend) -> anyhow::Result<()> {
    let (m1, m2, m3) = (keyed("k", &["a"]), keyed("k", &["b", "c"]), keyed("k", &["d"]));
    let overlapping = keyed("k", &["c", "f"]);
    let other = keyed("other", &["e"]);
    for m in [&m1, &m2, &overlapping, &m3, &other] {
        b.store.accept(m.clone()).await?;
    }
    let leader = b.store.claim_due("w", T0, LEASE, 1).await?.remove(0);
    assert_eq!((leader.message_id, leader.coalesce_key.as_deref()), (m1.id, Some("k")));
    let merged = b.store.coalesce(&leader.claim, &[], "k", 1000, T0, join).await?.expect("merged");
    assert_eq!(merged.recipients, ["user:a", "user:b", "user:c", "user:d"]);
    assert_eq!(merged.members.len(), 2);
    assert_eq!(merged.body, b"merged:user:a|user:b|user:c|user:d");
    assert_eq!(b.store.message(m2.id).await?.expect("m2").status, MessageStatus::Dispatching);

    // Members are never claimed alone; the message naming a user already in the call was not
    // merged (each recipient gets the message as often as without coalescing).
    let rest = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!(rest.iter().map(|c| c.message_id).collect::<Vec<_>>(), [overlapping.id, other.id]);

    let outcomes = vec![outcome("user:a", "delivered"), outcome("user:b", "delivered"), outcome("user:c", "invalid")]
        .into_iter()
        .chain([outcome("user:d", "delivered")])
        .collect();
    let handles = Handles { msgid: Some("msg-1".to_owned()), ..Handles::default() };
    b.store.complete(&leader.claim, DispatchResult::Delivered { handles, outcomes }, T0 + 5).await?;
    let r1 = b.store.message(m1.id).await?.expect("m1");
    assert_eq!(r1.status, MessageStatus::Delivered);
    assert_eq!(r1.dispatches[0].outcomes.len(), 1, "the leader keeps only its own recipients' outcomes");
    let r2 = b.store.message(m2.id).await?.expect("m2");
    assert_eq!(r2.status, MessageStatus::PartiallyDelivered);
    let d2 = &r2.dispatches[0];
    assert_eq!((d2.status, d2.attempts, d2.handles.msgid.as_deref()), (DispatchStatus::Delivered, 1, Some("msg-1")));
    assert_eq!(d2.outcomes.iter().find(|o| o.recipient == "user:c").expect("c").outcome, "invalid");
    assert_eq!(d2.attempt_log.len(), 1);
    let r3 = b.store.message(m3.id).await?.expect("m3");
    assert_eq!(r3.status, MessageStatus::Delivered);
    assert_eq!(r3.dispatches[0].outcomes.len(), 1);
    Ok(())
}

pub async fn retries_resend_the_persisted_merged_body(b: Backend) -> anyhow::Result<()> {
    let (m1, m2) = (keyed("k", &["a"]), keyed("k", &["b"]));
    b.store.accept_batch(vec![m1.clone(), m2.clone()]).await?;
    let claims = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!(claims.len(), 2);
    let also = [claims[1].claim.clone()];
    let merged = b.store.coalesce(&claims[0].claim, &also, "k", 1000, T0, join).await?.expect("merged");
    assert_eq!(merged.members, [claims[1].claim.dispatch_id]);
    let retry = DispatchResult::Retry { at_ms: T0 + 1000, counts_attempt: true, error: transient() };
    b.store.complete(&claims[0].claim, retry, T0 + 1).await?;
    assert_eq!(b.store.message(m2.id).await?.expect("m2").status, MessageStatus::Retrying);

    let again = b.store.claim_due("w2", T0 + 1000, LEASE, 10).await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].body, merged.body, "the identical merged body");
    assert!(!claims[0].resend_safe && again[0].resend_safe, "with the merged call's resend safety");
    assert_eq!(again[0].recipients, ["user:a", "user:b"]);
    assert_eq!(again[0].coalesce_key, None, "never merged again");
    b.store.release(&again[0].claim).await?;
    assert_eq!(b.store.message(m2.id).await?.expect("m2").dispatches[0].status, DispatchStatus::Retrying);
    let later = b.store.claim_due("w3", T0 + 1000, LEASE, 10).await?;
    assert_eq!(later.len(), 1);
    b.store.complete(&later[0].claim, super::delivered(), T0 + 1001).await?;
    assert_eq!(b.store.message(m2.id).await?.expect("m2").status, MessageStatus::Delivered);
    Ok(())
}

pub async fn merges_stop_at_the_recipient_limit(b: Backend) -> anyhow::Result<()> {
    for users in [&["a", "b"][..], &["c", "d"], &["e"]] {
        b.store.accept(keyed("k", users)).await?;
    }
    let leader = b.store.claim_due("w", T0, LEASE, 1).await?.remove(0);
    let merged = b.store.coalesce(&leader.claim, &[], "k", 3, T0, join).await?.expect("merged");
    assert_eq!(merged.recipients, ["user:a", "user:b", "user:e"], "the two-user message did not fit");
    assert_eq!(b.store.claim_due("w", T0, LEASE, 10).await?.len(), 1, "it is still claimable alone");
    Ok(())
}

pub async fn members_are_not_cancelled_and_replays_go_alone(b: Backend) -> anyhow::Result<()> {
    let (m1, m2) = (keyed("k", &["a"]), keyed("k", &["b"]));
    b.store.accept_batch(vec![m1.clone(), m2.clone()]).await?;
    let leader = b.store.claim_due("w", T0, LEASE, 1).await?.remove(0);
    b.store.coalesce(&leader.claim, &[], "k", 1000, T0, join).await?.expect("merged");
    assert!(matches!(b.store.cancel(m2.id, T0 + 1).await?, CancelOutcome::AlreadySent(_)));
    let error =
        AttemptError { kind: "permanent".to_owned(), code: Some(1), message: "no".to_owned(), ambiguous: false };
    b.store.complete(&leader.claim, DispatchResult::Dead { error, outcomes: Vec::new() }, T0 + 2).await?;
    assert_eq!(b.store.message(m2.id).await?.expect("m2").status, MessageStatus::Dead);

    assert!(b.store.retry(m2.id, T0 + 3).await?);
    let replay = b.store.claim_due("w", T0 + 3, LEASE, 10).await?;
    assert_eq!(replay.len(), 1);
    assert_eq!((replay[0].message_id, replay[0].body.as_slice()), (m2.id, &b"{\"touser\":\"b\"}"[..]));
    assert_eq!(replay[0].coalesce_key, None);
    Ok(())
}
