//! Model test: random sequences of accept / claim / complete / release / advance-time against
//! the store and against a small in-memory model of the outbox; after every step the store's
//! dispatches must match the model (status, counted attempts, attempt rows, due time), stale
//! claims must be rejected, and claims must hand out exactly what the model says is due.

use std::collections::BTreeSet;

use proptest::prelude::*;
use yizhan_core::MessageId;
use yizhan_store::{
    AttemptError, ClaimToken, DispatchResult, DispatchStatus, Handles, NewDispatch, NewMessage, Store, StoreError,
};

const T0: i64 = 1_700_000_000_000;
const LEASE: i64 = 250;

#[derive(Debug, Clone)]
enum Action {
    Accept { delay: i64 },
    Claim { limit: usize },
    Complete { pick: usize, result: u8, delay: i64 },
    Release { pick: usize },
    Advance { ms: i64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0i64..3).prop_map(|d| Action::Accept { delay: d * 100 }),
        (1usize..4).prop_map(|limit| Action::Claim { limit }),
        (any::<usize>(), 0u8..4, 0i64..3).prop_map(|(pick, result, d)| Action::Complete {
            pick,
            result,
            delay: d * 100
        }),
        any::<usize>().prop_map(|pick| Action::Release { pick }),
        (0i64..4).prop_map(|t| Action::Advance { ms: t * 100 }),
    ]
}

/// The model of one dispatch (one message has exactly one here).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Model {
    message: MessageId,
    status: DispatchStatus,
    next_at: i64,
    lease_until: i64,
    token: Option<String>,
    attempts: i64,
    rows: usize,
}

fn error() -> AttemptError {
    AttemptError { kind: "transient".to_owned(), code: None, message: "busy".to_owned(), ambiguous: false }
}

fn new_message(now: i64, delay: i64) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        channel: "ops".to_owned(),
        api_key: None,
        request: serde_json::json!({}),
        idempotency: None,
        send_at_ms: now + delay,
        expires_at_ms: None,
        created_at_ms: now,
        dispatches: vec![NewDispatch {
            coalesce_key: None,
            body: vec![1, 2, 3],
            endpoint: "getui.push_single_cid".to_owned(),
            dedupe_id: None,
            recipients: vec!["cid".to_owned()],
            after_seq: None,
            duplicate: None,
            resend_safe: false,
        }],
    }
}

async fn run(actions: Vec<Action>) -> Result<(), TestCaseError> {
    let store = Store::open("sqlite::memory:").await.expect("open");
    let mut model: Vec<Model> = Vec::new(); // index i = dispatch id i + 1
    let mut tokens: Vec<ClaimToken> = Vec::new();
    let mut now = T0;
    for action in actions {
        match action {
            Action::Accept { delay } => {
                let m = new_message(now, delay);
                store.accept(m.clone()).await.expect("accept");
                model.push(Model {
                    message: m.id,
                    status: DispatchStatus::Pending,
                    next_at: now + delay,
                    lease_until: 0,
                    token: None,
                    attempts: 0,
                    rows: 0,
                });
            }
            Action::Claim { limit } => {
                let mut due: Vec<(i64, i64)> = model
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| {
                        (d.status.is_waiting() && d.next_at <= now)
                            || (d.status == DispatchStatus::InFlight && d.lease_until <= now)
                    })
                    .map(|(i, d)| (d.next_at, i64::try_from(i).expect("small") + 1))
                    .collect();
                due.sort_unstable();
                let want: BTreeSet<i64> = due.into_iter().take(limit).map(|(_, id)| id).collect();
                let got = store.claim_due("w", now, LEASE, limit).await.expect("claim");
                let got_ids: BTreeSet<i64> = got.iter().map(|c| c.claim.dispatch_id).collect();
                prop_assert_eq!(&got_ids, &want);
                for c in got {
                    let d = &mut model[usize::try_from(c.claim.dispatch_id - 1).expect("id")];
                    prop_assert_eq!(c.attempts, d.attempts);
                    d.status = DispatchStatus::InFlight;
                    d.lease_until = now + LEASE;
                    d.token = Some(c.claim.token.clone());
                    tokens.push(c.claim);
                }
            }
            Action::Complete { .. } | Action::Release { .. } if tokens.is_empty() => {}
            Action::Complete { pick, result, delay } => {
                let claim = tokens[pick % tokens.len()].clone();
                let d = &mut model[usize::try_from(claim.dispatch_id - 1).expect("id")];
                let valid = d.status == DispatchStatus::InFlight && d.token.as_deref() == Some(&claim.token);
                let outcome = match result {
                    0 => DispatchResult::Delivered { handles: Handles::default(), outcomes: vec![] },
                    1 => DispatchResult::Retry { at_ms: now + delay, counts_attempt: true, error: error() },
                    2 => DispatchResult::Retry { at_ms: now + delay, counts_attempt: false, error: error() },
                    _ => DispatchResult::Dead { error: error(), outcomes: Vec::new() },
                };
                let r = store.complete(&claim, outcome, now).await;
                if !valid {
                    prop_assert!(matches!(r, Err(StoreError::Conflict(_))), "{:?}", r);
                    continue;
                }
                prop_assert!(r.is_ok(), "{:?}", r);
                d.token = None;
                d.rows += 1;
                match result {
                    0 => (d.status, d.attempts) = (DispatchStatus::Delivered, d.attempts + 1),
                    1 => (d.status, d.attempts, d.next_at) = (DispatchStatus::Retrying, d.attempts + 1, now + delay),
                    2 => (d.status, d.next_at) = (DispatchStatus::Deferred, now + delay),
                    _ => (d.status, d.attempts) = (DispatchStatus::Dead, d.attempts + 1),
                }
            }
            Action::Release { pick } => {
                let claim = tokens[pick % tokens.len()].clone();
                let d = &mut model[usize::try_from(claim.dispatch_id - 1).expect("id")];
                let valid = d.status == DispatchStatus::InFlight && d.token.as_deref() == Some(&claim.token);
                let r = store.release(&claim).await;
                if !valid {
                    prop_assert!(matches!(r, Err(StoreError::Conflict(_))), "{:?}", r);
                    continue;
                }
                prop_assert!(r.is_ok(), "{:?}", r);
                d.token = None;
                d.status = if d.attempts == 0 { DispatchStatus::Pending } else { DispatchStatus::Retrying };
            }
            Action::Advance { ms } => now += ms,
        }
        for d in &model {
            let rec = store.message(d.message).await.expect("read").expect("stored");
            let s = &rec.dispatches[0];
            prop_assert_eq!(
                (s.status, s.attempts, s.attempt_log.len(), s.next_attempt_at_ms),
                (d.status, d.attempts, d.rows, d.next_at)
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_the_model(actions in proptest::collection::vec(action(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(run(actions))?;
    }
}
