//! Repeats of a provider-deduplicated body (`DuplicateGuard`), and statuses derived from the
//! recipient outcomes.

use yizhan_store::{
    AttemptError, DispatchResult, DispatchStatus, DuplicateGuard, Handles, MessageStatus, NewMessage, REACHED_OUTCOMES,
    RecipientOutcome, SUCCESS_OUTCOMES, SUPPRESSED_DUPLICATE,
};

use super::{Backend, LEASE, T0, message};

const WINDOW_MS: i64 = 10_000;

/// A one-dispatch message whose body the provider deduplicates under `key`.
fn guarded(key: &str, suppress: bool) -> NewMessage {
    let mut m = message("ops", 1);
    m.dispatches[0].duplicate = Some(DuplicateGuard { key: key.to_owned(), window_ms: WINDOW_MS, suppress });
    m.dispatches[0].coalesce_key = Some("c".to_owned());
    m
}

fn outcome(recipient: &str, outcome: &str) -> RecipientOutcome {
    RecipientOutcome { recipient: recipient.to_owned(), outcome: outcome.to_owned(), detail: None }
}

pub async fn identical_bodies_inside_the_window_are_repeats(b: Backend) -> anyhow::Result<()> {
    let (first, second) = (guarded("k", false), guarded("k", false));
    b.store.accept_batch(vec![first.clone(), second.clone(), guarded("other", false)]).await?;
    let claims = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!(claims.len(), 3);
    assert_eq!(claims[0].repeat_of, None, "the first opens its window");
    assert_eq!(claims[1].repeat_of, Some(first.id), "the second is a repeat of the first");
    assert_eq!(claims[1].coalesce_key, None, "a repeat is not merged");
    assert_eq!(claims[2].repeat_of, None, "another body is not a repeat");
    // Made distinct, the repeat leaves the guard: a later claim does not flag it again.
    b.store.replace_body(&claims[1].claim, b"{\"distinct\":1}", T0 + 1).await?;
    b.store.release(&claims[1].claim).await?;
    let again = b.store.claim_due("w", T0 + 2, LEASE, 10).await?;
    assert_eq!((again.len(), again[0].repeat_of, again[0].body.as_slice()), (1, None, &b"{\"distinct\":1}"[..]));
    let rec = b.store.message(second.id).await?.expect("stored");
    assert_eq!(rec.dispatches[0].body, b"{\"distinct\":1}");

    // Once the first window closed, the same body is not a repeat any more.
    let later = guarded("k", false);
    b.store.accept(later.clone()).await?;
    let late = b.store.claim_due("w", T0 + WINDOW_MS, LEASE, 10).await?;
    assert_eq!((late.len(), late[0].repeat_of), (1, None));
    Ok(())
}

pub async fn suppressing_repeats_ignores_dead_ones_and_msgids_have_owners(b: Backend) -> anyhow::Result<()> {
    let first = guarded("k", false);
    let c = super::accept_and_claim(&b.store, first.clone()).await.remove(0);
    let error = AttemptError { kind: "permanent".into(), code: Some(40056), message: "x".into(), ambiguous: false };
    b.store.complete(&c.claim, DispatchResult::Dead { error, outcomes: Vec::new() }, T0 + 1).await?;
    let asked = guarded("k", true);
    b.store.accept(asked.clone()).await?;
    let claims = b.store.claim_due("w", T0 + 2, LEASE, 10).await?;
    assert_eq!(claims[0].repeat_of, None, "a dead dispatch delivered nothing to suppress against");
    assert!(claims[0].suppress_repeats);
    let handles = Handles { msgid: Some("msg-1".into()), ..Handles::default() };
    let delivered = DispatchResult::Delivered { handles, outcomes: vec![outcome("u0", "delivered")] };
    b.store.complete(&claims[0].claim, delivered, T0 + 3).await?;
    assert_eq!(b.store.msgid_owner("msg-1", c.claim.dispatch_id).await?, Some(asked.id));
    assert_eq!(b.store.msgid_owner("msg-1", claims[0].claim.dispatch_id).await?, None, "not its own");
    let again = guarded("k", true);
    b.store.accept(again.clone()).await?;
    let claims = b.store.claim_due("w", T0 + 4, LEASE, 10).await?;
    assert_eq!(claims[0].repeat_of, Some(asked.id), "a delivered one counts");
    Ok(())
}

pub async fn a_delivery_whose_msgid_another_message_holds_is_not_recorded(b: Backend) -> anyhow::Result<()> {
    let (first, second, third) = (message("ops", 1), message("ops", 2), message("ops", 1));
    b.store.accept_batch(vec![first.clone(), second.clone(), third.clone()]).await?;
    let claims = b.store.claim_due("w", T0, LEASE, 10).await?;
    let claim = |m: &NewMessage, seq: i64| {
        claims.iter().find(|c| c.message_id == m.id && c.seq == seq).map(|c| c.claim.clone()).expect("claimed")
    };
    let delivered = |msgid: &str| DispatchResult::Delivered {
        handles: Handles { msgid: Some(msgid.to_owned()), ..Handles::default() },
        outcomes: Vec::new(),
    };
    let first_done = b.store.complete_unless_duplicate(&claim(&first, 0), delivered("m-1"), T0 + 1).await?;
    assert_eq!(first_done, None, "nobody else holds m-1: recorded");
    b.store.complete_unless_duplicate(&claim(&second, 0), delivered("m-2"), T0 + 1).await?;
    let same_message = b.store.complete_unless_duplicate(&claim(&second, 1), delivered("m-2"), T0 + 1).await?;
    assert_eq!(same_message, None, "a dispatch of the same message does not count");
    let rec = b.store.message(second.id).await?.expect("stored");
    assert!(rec.dispatches.iter().all(|d| d.status == DispatchStatus::Delivered), "both recorded");

    let dropped = b.store.complete_unless_duplicate(&claim(&third, 0), delivered("m-1"), T0 + 2).await?;
    assert_eq!(dropped, Some(first.id), "m-1 is the first message's");
    let rec = b.store.message(third.id).await?.expect("stored");
    assert_eq!(rec.dispatches[0].status, DispatchStatus::InFlight, "nothing recorded, the lease still held");
    assert!(rec.dispatches[0].attempt_log.is_empty());
    let error = AttemptError { kind: "transient".into(), code: None, message: "dropped".into(), ambiguous: false };
    let retry = DispatchResult::Retry { at_ms: T0 + 2, counts_attempt: false, error };
    assert_eq!(b.store.complete_unless_duplicate(&claim(&third, 0), retry, T0 + 2).await?, None, "no msgid to check");
    let rec = b.store.message(third.id).await?.expect("stored");
    assert_eq!(rec.dispatches[0].status, DispatchStatus::Deferred);
    Ok(())
}

/// The stored status of a fresh one-dispatch message once its dispatch is delivered with
/// `outcomes`.
async fn status_after_delivery(b: &Backend, outcomes: &[RecipientOutcome]) -> anyhow::Result<MessageStatus> {
    let m = message("ops", 1);
    let c = super::accept_and_claim(&b.store, m.clone()).await.remove(0);
    let result = DispatchResult::Delivered { handles: Handles::default(), outcomes: outcomes.to_vec() };
    b.store.complete(&c.claim, result, T0 + 1).await?;
    Ok(b.store.message(m.id).await?.expect("stored").status)
}

pub async fn statuses_follow_the_recipient_outcomes(b: Backend) -> anyhow::Result<()> {
    let statuses = [
        (vec![outcome("u0", "invalid"), outcome("bob", "inactive")], MessageStatus::Dead),
        (vec![outcome("u0", "delivered"), outcome("bob", "invalid")], MessageStatus::PartiallyDelivered),
        (vec![outcome("u0", "suppressed_duplicate"), outcome("bob", "suppressed_duplicate")], {
            MessageStatus::SuppressedDuplicate
        }),
        (vec![outcome("u0", "suppressed_duplicate"), outcome("bob", "offline")], MessageStatus::Delivered),
    ];
    for (outcomes, want) in statuses {
        assert_eq!(status_after_delivery(&b, &outcomes).await?, want, "{outcomes:?}");
    }
    // A dead dispatch keeps the outcomes the provider reported with its error.
    let m = message("ops", 1);
    let c = super::accept_and_claim(&b.store, m.clone()).await.remove(0);
    let error = AttemptError { kind: "permanent".into(), code: Some(81013), message: "x".into(), ambiguous: false };
    let outcomes = vec![outcome("u0", "invalid"), outcome("bob", "invalid")];
    b.store.complete(&c.claim, DispatchResult::Dead { error, outcomes: outcomes.clone() }, T0 + 1).await?;
    let rec = b.store.message(m.id).await?.expect("stored");
    let mut stored = rec.dispatches[0].outcomes.clone();
    stored.sort_by(|a, b| b.recipient.cmp(&a.recipient));
    assert_eq!((rec.status, stored), (MessageStatus::Dead, outcomes));
    assert!(b.store.retry(m.id, T0 + 2).await?, "a dead dispatch can be replayed");
    Ok(())
}

/// Every outcome name through the real schema and the store's own status SQL, on each backend:
/// one reached recipient (each of [`REACHED_OUTCOMES`]) makes a message delivered, beside a
/// failed one partially delivered; suppressed alone makes it `suppressed_duplicate`; any other
/// outcome makes it dead. The SQL counts outcomes by name, so a name that drifts from these
/// constants fails here.
pub async fn every_outcome_name_counts_in_its_class(b: Backend) -> anyhow::Result<()> {
    assert!(SUCCESS_OUTCOMES.iter().all(|o| REACHED_OUTCOMES.contains(o) || *o == SUPPRESSED_DUPLICATE));
    let not_reached = ["invalid", "unlicensed", "ignored", "inactive", "failed", "a_provider_status"];
    let mut cases = Vec::new();
    for reached in REACHED_OUTCOMES {
        cases.push((vec![outcome("u0", reached)], MessageStatus::Delivered));
        cases.push((vec![outcome("u0", reached), outcome("bob", SUPPRESSED_DUPLICATE)], MessageStatus::Delivered));
        cases.push((vec![outcome("u0", reached), outcome("bob", "invalid")], MessageStatus::PartiallyDelivered));
    }
    cases.push((vec![outcome("u0", SUPPRESSED_DUPLICATE)], MessageStatus::SuppressedDuplicate));
    for failed in not_reached {
        cases.push((vec![outcome("u0", failed)], MessageStatus::Dead));
        cases.push((vec![outcome("u0", failed), outcome("bob", SUPPRESSED_DUPLICATE)], MessageStatus::Dead));
    }
    for (outcomes, want) in cases {
        assert_eq!(status_after_delivery(&b, &outcomes).await?, want, "{outcomes:?}");
    }
    Ok(())
}
